// Registry scopes as image.config.openshift.io and runtime-utils' pkg/registries treat them:
// "host[:port][/path]" or a "*.domain" wildcard.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace openshift {

// "" when valid, else why not: empty, or a `*` other than a leading `*.` followed by a
// domain without `/`, `@`, `:` or `*`.
std::string scope_problem(std::string_view scope);

// True when `inner` is `outer`, lies below it (`outer` + "/" + ...), or has a host matching
// the `*.domain` wildcard `outer`.
bool scope_is_nested(std::string_view inner, std::string_view outer);

// The first scope in `scopes` that `inner` is nested in.
std::optional<std::string> enclosing_scope(std::string_view inner,
                                           const std::vector<std::string>& scopes);

}  // namespace openshift
