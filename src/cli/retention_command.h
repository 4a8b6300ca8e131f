// `regmirror retention`: the configuration's retention rules applied once to a registry's
// storage and database (the same a running `serve` uses, which may go on serving meanwhile):
// the tags they do not keep are removed, or with --dry-run listed. Guide: docs/retention.md
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_retention_command(CLI::App& app);

}  // namespace cli
