#include "auth/scope.h"

#include <algorithm>

namespace auth {
namespace {

bool is_clean(std::string_view text) {
  return std::ranges::none_of(
      text, [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

}  // namespace

std::optional<Scope> parse_scope(std::string_view text) {
  if (text.size() > kMaxScopeLength || !is_clean(text)) return std::nullopt;
  const std::size_t first = text.find(':');
  const std::size_t last = text.rfind(':');
  if (first == std::string_view::npos || first == last) return std::nullopt;
  Scope scope{std::string(text.substr(0, first)),
              std::string(text.substr(first + 1, last - first - 1)),
              {}};
  if (scope.type.empty() || scope.name.empty()) return std::nullopt;
  std::string_view actions = text.substr(last + 1);
  while (true) {
    const std::size_t comma = actions.find(',');
    const std::string_view action = actions.substr(0, comma);
    if (action.empty()) return std::nullopt;
    if (std::ranges::find(scope.actions, action) == scope.actions.end()) {
      scope.actions.emplace_back(action);
    }
    if (comma == std::string_view::npos) break;
    actions.remove_prefix(comma + 1);
  }
  return scope;
}

std::optional<std::vector<Scope>> parse_scopes(std::string_view text) {
  std::vector<Scope> scopes;
  while (true) {
    const std::size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const std::size_t end = text.find(' ');
    std::optional<Scope> scope = parse_scope(text.substr(0, end));
    if (!scope || scopes.size() == kMaxScopesPerRequest) return std::nullopt;
    scopes.push_back(std::move(*scope));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end);
  }
  return scopes;
}

std::string format_scope(const Scope& scope) {
  std::string out = scope.type + ':' + scope.name + ':';
  for (std::size_t i = 0; i < scope.actions.size(); ++i) {
    if (i > 0) out += ',';
    out += scope.actions[i];
  }
  return out;
}

}  // namespace auth
