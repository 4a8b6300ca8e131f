// Writes a set of files under a new directory all at once: into a temporary sibling first,
// renamed into place at the end, so a failure leaves no partial output.
#pragma once

#include <map>
#include <string>

#include "oci/error.h"

namespace cli {

// `files`: relative path -> content. `dir` must not exist or be empty.
oci::Result<void> write_output_tree(const std::string& dir,
                                    const std::map<std::string, std::string>& files);

}  // namespace cli
