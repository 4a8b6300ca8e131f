// `regmirror pull REF`: pull as a node would. The reference goes through registries.conf
// (short names, mirrors, blocked, insecure) and policy.json with nodeconf's resolver; the
// sources are tried in order and, one step past containers/image, a piece (child manifest,
// blob) a mirror lacks is fetched from the next source. Stored into an OCI layout.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_pull_command(CLI::App& app);

}  // namespace cli
