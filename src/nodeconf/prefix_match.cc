#include "nodeconf/prefix_match.h"

namespace nodeconf {
namespace {

bool is_boundary(char c) { return c == ':' || c == '/' || c == '@'; }

std::optional<std::size_t> match_wildcard(std::string_view ref, std::string_view prefix) {
  const std::string_view suffix = prefix.substr(1);  // ".example.com"
  const std::size_t found = ref.find(suffix);
  if (found == std::string_view::npos) return std::nullopt;
  if (ref.substr(0, found).find('/') != std::string_view::npos) return std::nullopt;
  const std::size_t end = found + suffix.size();
  if (end == ref.size() || is_boundary(ref[end])) return end;
  return std::nullopt;
}

}  // namespace

std::optional<std::size_t> match_prefix(std::string_view ref, std::string_view prefix) {
  if (prefix.starts_with("*.")) return match_wildcard(ref, prefix);
  if (!ref.starts_with(prefix)) return std::nullopt;
  if (ref.size() == prefix.size() || is_boundary(ref[prefix.size()])) return prefix.size();
  return std::nullopt;
}

const Registry* find_registry(const std::vector<Registry>& registries, std::string_view name) {
  // An empty prefix (possible only as "/" trimmed) never wins, as upstream starts from 0.
  const Registry* best = nullptr;
  std::size_t best_length = 0;
  for (const Registry& registry : registries) {
    if (registry.prefix.size() <= best_length || !match_prefix(name, registry.prefix)) continue;
    best = &registry;
    best_length = registry.prefix.size();
  }
  return best;
}

}  // namespace nodeconf
