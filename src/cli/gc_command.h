// `regmirror gc`: one garbage collection run over a registry's storage and database (the
// same a running `serve` uses, which may go on serving meanwhile). Guide: docs/gc.md
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_gc_command(CLI::App& app);

}  // namespace cli
