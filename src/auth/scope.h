// Docker token scopes (distribution's token spec): `type:name:action,action`, e.g.
// `repository:team-a/app:pull,push`, `repository:localhost:5000/app:pull` (the name may hold
// ':' — the first ':' ends the type and the last one starts the actions, as distribution
// reads them), `registry:catalog:*`. One request may ask for several, space separated or in
// several `scope` parameters. The same triple is a token's `access` claim entry.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace auth {

inline constexpr std::size_t kMaxScopeLength = 1024;
inline constexpr std::size_t kMaxScopesPerRequest = 64;

struct Scope {
  std::string type;                  // "repository", "registry", ...
  std::string name;                  // the repository name, "catalog"
  std::vector<std::string> actions;  // as written: "pull", "push", "delete", "*"

  bool operator==(const Scope&) const = default;
};

// nullopt when `text` is longer than kMaxScopeLength, lacks either ':', has an empty type or
// name, a space or control character, or an empty action. Actions are kept as written
// (unknown ones are not an error: the grant leaves them out), without duplicates.
std::optional<Scope> parse_scope(std::string_view text);

// Every scope in `text` (separated by single or repeated spaces); nullopt when one is
// malformed or there are more than kMaxScopesPerRequest.
std::optional<std::vector<Scope>> parse_scopes(std::string_view text);

// `type:name:a,b`; parse_scope(format_scope(s)) == s for every parsed s.
std::string format_scope(const Scope& scope);

}  // namespace auth
