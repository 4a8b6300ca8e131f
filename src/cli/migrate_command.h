// `regmirror migrate --database URL`: brings a PostgreSQL metadata database to the schema
// this binary uses (what `serve` also does on start) and prints the version reached.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_migrate_command(CLI::App& app);

}  // namespace cli
