// WWW-Authenticate challenges (RFC 7235): `Bearer realm="https://auth.docker.io/token",
// service="registry.docker.io",scope="repository:library/alpine:pull"`, `Basic realm="x"`,
// several in one header or over several headers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace client {

struct Challenge {
  std::string scheme;                         // lowercased: "bearer", "basic"
  std::map<std::string, std::string> params;  // names lowercased, values unquoted

  // The parameter's value, empty when absent.
  std::string param(std::string_view name) const;
};

// Every challenge in `header`, in order. Malformed parts end the parse: what came before
// them is returned.
std::vector<Challenge> parse_challenges(std::string_view header);

// The challenge with `scheme` (lowercase) among `challenges`, if any.
std::optional<Challenge> find_challenge(const std::vector<Challenge>& challenges,
                                        std::string_view scheme);

}  // namespace client
