// `regmirror login HOST` and `regmirror logout HOST|--all`: podman's commands of the same
// name over containers-auth.json(5). login checks the credentials against the registry
// (GET /v2/ through its authentication) before it stores them.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_login_command(CLI::App& app);
void add_logout_command(CLI::App& app);

}  // namespace cli
