// `regmirror sync`: a declared image set (sync.yaml) to one or many registries in parallel,
// to an air-gap directory (--to-dir) or from one into a registry (--from-dir --to), and the
// ImageDigestMirrorSet / ImageTagMirrorSet (/ ImageContentSourcePolicy) for the cluster.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_sync_command(CLI::App& app);

}  // namespace cli
