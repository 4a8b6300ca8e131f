#include "cli/tree_diff.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <sstream>
#include <vector>

#include "nodeconf/config_text_reader.h"
#include "sys/small_file.h"

namespace cli {
namespace {

// The longest-common-subsequence table has one cell per pair of differing lines; beyond this
// (16 MB of cells) the files are only said to differ.
constexpr std::size_t kMaxDiffCells = 4'000'000;

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The node's copy of `path`: nullopt when it is missing (or not a regular file).
oci::Result<std::optional<std::string>> read_node_file(const std::filesystem::path& path) {
  auto content = sys::read_small_file(path, nodeconf::kMaxConfigFileBytes);
  if (content) return std::optional<std::string>(std::move(*content));
  if (content.error().code == sys::Errc::kNotFound) return std::optional<std::string>();
  return oci::fail(oci::ErrorCode::kInternal, "node file: " + content.error().message);
}

}  // namespace

std::string line_diff(const std::string& before, const std::string& after) {
  const std::vector<std::string> a = split_lines(before);
  const std::vector<std::string> b = split_lines(after);
  // Only the lines between the common head and tail need the table.
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) {
    ++tail;
  }
  const std::size_t n = a.size() - head - tail;
  const std::size_t m = b.size() - head - tail;
  if (n != 0 && m != 0 && n > kMaxDiffCells / m) {
    return "files differ (" + std::to_string(a.size()) + " vs " + std::to_string(b.size()) +
           " lines)\n";
  }
  std::vector<std::uint32_t> common((n + 1) * (m + 1));
  const auto cell = [&](std::size_t i, std::size_t j) -> std::uint32_t& {
    return common[i * (m + 1) + j];
  };
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      cell(i, j) = a[head + i] == b[head + j] ? cell(i + 1, j + 1) + 1
                                              : std::max(cell(i + 1, j), cell(i, j + 1));
    }
  }
  std::string out;
  for (std::size_t k = 0; k < head; ++k) out += " " + a[k] + "\n";
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[head + i] == b[head + j]) {
      out += " " + a[head + i++] + "\n";
      ++j;
    } else if (i < n && (j == m || cell(i + 1, j) >= cell(i, j + 1))) {
      out += "-" + a[head + i++] + "\n";
    } else {
      out += "+" + b[head + j++] + "\n";
    }
  }
  for (std::size_t k = a.size() - tail; k < a.size(); ++k) out += " " + a[k] + "\n";
  return out;
}

oci::Result<TreeDiff> diff_against_node(const std::string& node_root,
                                        const std::map<std::string, std::string>& rendered,
                                        const std::vector<std::string>& removable,
                                        const std::set<std::string>& optional) {
  TreeDiff diff;
  for (const auto& [path, content] : rendered) {
    auto current = read_node_file(std::filesystem::path(node_root) / path);
    if (!current) return std::unexpected(current.error());
    if (!*current && optional.contains(path)) continue;
    if (*current == content) continue;
    diff.identical = false;
    diff.changes.push_back({path, std::move(*current), content});
  }
  for (const std::string& path : removable) {
    if (rendered.contains(path)) continue;
    auto current = read_node_file(std::filesystem::path(node_root) / path);
    if (!current) return std::unexpected(current.error());
    if (!*current) continue;
    diff.identical = false;
    diff.changes.push_back({path, std::move(*current), std::nullopt});
  }
  return diff;
}

std::vector<std::string> stale_registry_ca_files(
    const std::string& node_root, const std::map<std::string, std::string>& rendered) {
  namespace fs = std::filesystem;
  static constexpr std::string_view kInternalRegistryHosts[] = {
      "image-registry.openshift-image-registry.svc", "default-route-openshift-image-registry."};
  const fs::path certs_d = "etc/docker/certs.d";
  std::vector<std::string> files;
  std::error_code ec;
  for (const fs::directory_entry& host :
       fs::directory_iterator(fs::path(node_root) / certs_d, ec)) {
    const std::string name = host.path().filename().string();
    if (!host.is_directory(ec) || host.is_symlink(ec)) continue;
    if (std::ranges::any_of(kInternalRegistryHosts, [&](std::string_view internal) {
          return name.starts_with(internal);
        })) {
      continue;
    }
    if (rendered.contains((certs_d / name / "ca.crt").string())) continue;
    for (const fs::directory_entry& file : fs::recursive_directory_iterator(host.path(), ec)) {
      if (file.is_regular_file(ec) && !file.is_symlink(ec)) {
        files.push_back((certs_d / name / file.path().lexically_relative(host.path())).string());
      }
    }
  }
  std::ranges::sort(files);
  return files;
}

std::string describe_changes(const std::vector<openshift::NodeFileChange>& changes) {
  std::string text;
  for (const openshift::NodeFileChange& change : changes) {
    if (!change.before) {
      text += "missing on node: /" + change.path + "\n";
    } else if (!change.after) {
      text += "only on node (would be removed): /" + change.path + "\n";
    } else {
      text += "--- node /" + change.path + "\n+++ rendered /" + change.path + "\n" +
              line_diff(*change.before, *change.after);
    }
  }
  return text;
}

}  // namespace cli
