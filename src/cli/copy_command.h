// `regmirror copy SRC DST`: one image, or an index with its platforms, with its referrers,
// between registries (docker://), OCI layouts (oci:) and OCI archives (oci-archive:).
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_copy_command(CLI::App& app);

}  // namespace cli
