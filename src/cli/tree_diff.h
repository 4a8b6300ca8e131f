// `regmirror render --check NODE_ROOT`: what would be rendered against the files already
// under a node's root, as a unified-style line diff per file.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "openshift/drain_rule.h"

namespace cli {

struct TreeDiff {
  std::string text;  // empty when every file matches
  bool identical = true;
  std::vector<openshift::NodeFileChange> changes;  // the files that differ
};

// `removable`: files the MCO would delete from the node when they are not rendered.
// `optional`: rendered files a node need not have (compared only when it has them).
TreeDiff diff_against_node(const std::string& node_root,
                           const std::map<std::string, std::string>& rendered,
                           const std::vector<std::string>& removable = {},
                           const std::set<std::string>& optional = {});

// The line diff of two texts ("-" only in `before`, "+" only in `after`, " " common).
std::string line_diff(const std::string& before, const std::string& after);

}  // namespace cli
