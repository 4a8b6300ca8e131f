// `regmirror serve`: flags over the YAML config, then the registry on local storage.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_serve_command(CLI::App& app);

}  // namespace cli
