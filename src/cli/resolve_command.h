// `regmirror resolve REF...`: where a node would pull each reference from, and why, from
// registries.conf (+ registries.conf.d) and policy.json, as podman and CRI-O read them.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_resolve_command(CLI::App& app);

}  // namespace cli
