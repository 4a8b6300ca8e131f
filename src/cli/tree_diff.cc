#include "cli/tree_diff.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace cli {
namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

std::string line_diff(const std::string& before, const std::string& after) {
  const std::vector<std::string> a = split_lines(before);
  const std::vector<std::string> b = split_lines(after);
  // Longest common subsequence table; node files are small.
  std::vector<std::vector<std::size_t>> common(a.size() + 1,
                                               std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = a.size(); i-- > 0;) {
    for (std::size_t j = b.size(); j-- > 0;) {
      common[i][j] =
          a[i] == b[j] ? common[i + 1][j + 1] + 1 : std::max(common[i + 1][j], common[i][j + 1]);
    }
  }
  std::string out;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out += " " + a[i++] + "\n";
      ++j;
    } else if (i < a.size() && (j == b.size() || common[i + 1][j] >= common[i][j + 1])) {
      out += "-" + a[i++] + "\n";
    } else {
      out += "+" + b[j++] + "\n";
    }
  }
  return out;
}

TreeDiff diff_against_node(const std::string& node_root,
                           const std::map<std::string, std::string>& rendered,
                           const std::vector<std::string>& removable,
                           const std::set<std::string>& optional) {
  TreeDiff diff;
  for (const auto& [path, content] : rendered) {
    const std::filesystem::path on_node = std::filesystem::path(node_root) / path;
    std::ifstream in(on_node, std::ios::binary);
    if (!in) {
      if (optional.contains(path)) continue;
      diff.identical = false;
      diff.text += "missing on node: /" + path + "\n";
      diff.changes.push_back({path, std::nullopt, content});
      continue;
    }
    std::ostringstream current;
    current << in.rdbuf();
    if (current.str() == content) continue;
    diff.identical = false;
    diff.text +=
        "--- node /" + path + "\n+++ rendered /" + path + "\n" + line_diff(current.str(), content);
    diff.changes.push_back({path, current.str(), content});
  }
  for (const std::string& path : removable) {
    if (rendered.contains(path)) continue;
    std::ifstream in(std::filesystem::path(node_root) / path, std::ios::binary);
    if (!in) continue;
    std::ostringstream current;
    current << in.rdbuf();
    diff.identical = false;
    diff.text += "only on node (would be removed): /" + path + "\n";
    diff.changes.push_back({path, current.str(), std::nullopt});
  }
  return diff;
}

}  // namespace cli
