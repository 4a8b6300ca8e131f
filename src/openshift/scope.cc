#include "openshift/scope.h"

namespace openshift {

std::string scope_problem(std::string_view scope) {
  if (scope.empty()) return "empty registry scope";
  const std::size_t star = scope.find('*');
  if (star == std::string_view::npos) return "";
  if (star != 0 || !scope.starts_with("*.")) {
    return "wildcards are only supported as a leading \"*.\"";
  }
  if (scope.substr(2).find_first_of("/@:*") != std::string_view::npos || scope.size() == 2) {
    return "a wildcard scope must be \"*.\" followed by a domain without '/', '@', ':' or '*'";
  }
  return "";
}

bool scope_is_nested(std::string_view inner, std::string_view outer) {
  if (inner == outer) return true;
  if (outer.starts_with("*.")) {
    // As runtime-utils' ScopeIsNestedInsideScope: with a ':' the host is what precedes the
    // first ':' and must hold no '/'; without one, what precedes the first '/'.
    const std::size_t colon = inner.find(':');
    const std::string_view host =
        colon != std::string_view::npos ? inner.substr(0, colon) : inner.substr(0, inner.find('/'));
    if (colon != std::string_view::npos && host.find('/') != std::string_view::npos) return false;
    return host.ends_with(outer.substr(1));
  }
  return inner.size() > outer.size() && inner.starts_with(outer) && inner[outer.size()] == '/';
}

std::optional<std::string> enclosing_scope(std::string_view inner,
                                           const std::vector<std::string>& scopes) {
  for (const std::string& scope : scopes) {
    if (scope_is_nested(inner, scope)) return scope;
  }
  return std::nullopt;
}

}  // namespace openshift
