// Merges the mirror lists several objects give one source into one ordered list, as
// runtime-utils' pkg/registries does: a topological sort over edges between consecutive
// mirrors of each list and from each list's last mirror to the source; among the mirrors
// ready next the lexically first wins, and a cycle is broken at the lexically first mirror
// not yet placed. The source is dropped when it ends up last.
#pragma once

#include <string>
#include <vector>

namespace openshift {

std::vector<std::string> merge_mirror_lists(const std::string& source,
                                            const std::vector<std::vector<std::string>>& lists);

}  // namespace openshift
