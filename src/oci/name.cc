#include "oci/name.h"

#include <algorithm>
#include <cstddef>

namespace oci {
namespace {

constexpr std::size_t kMaxRepositoryNameLength = 255;
constexpr std::size_t kMaxTagLength = 128;

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

// (\.|_|__|-+)
bool is_separator(std::string_view run) {
  return run == "." || run == "_" || run == "__" ||
         (!run.empty() && std::ranges::all_of(run, [](char c) { return c == '-'; }));
}

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool is_valid_path_component(std::string_view component) {
  if (component.empty() || !is_lower_alnum(component.front()) ||
      !is_lower_alnum(component.back())) {
    return false;
  }
  // With alphanumerics at both ends, every other run lies between two alphanumeric runs.
  std::size_t i = 0;
  while (i < component.size()) {
    if (is_lower_alnum(component[i])) {
      ++i;
      continue;
    }
    std::size_t run_end = i;
    while (!is_lower_alnum(component[run_end])) ++run_end;
    if (!is_separator(component.substr(i, run_end - i))) return false;
    i = run_end;
  }
  return true;
}

}  // namespace

bool is_valid_repository_name(std::string_view name) {
  if (name.size() > kMaxRepositoryNameLength) return false;
  while (true) {
    const auto slash = name.find('/');
    if (!is_valid_path_component(name.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    name.remove_prefix(slash + 1);
  }
}

bool is_valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagLength) return false;
  if (!is_alnum(tag.front()) && tag.front() != '_') return false;
  return std::ranges::all_of(
      tag.substr(1), [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

}  // namespace oci
