// `regmirror sync status --server URL`: the scheduled sync sets of a `regmirror serve`
// (GET /regmirror/v1/sync), as text or as the endpoint's JSON.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

// Adds `status` under the `sync` command.
void add_sync_status_command(CLI::App& sync);

}  // namespace cli
