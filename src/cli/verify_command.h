// `regmirror verify`: would the cluster's nodes pull every image of a set? The node files
// are rendered from the cluster's objects as `regmirror render` does (or read from a node
// root), then each image is resolved and checked at its sources with the node's credentials
// and trust (verify/). Guide: docs/verify.md.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_verify_command(CLI::App& app);

}  // namespace cli
