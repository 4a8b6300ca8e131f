// The request's `Authorization` header (RFC 7617 Basic, RFC 6750 Bearer) and the
// `WWW-Authenticate` challenge a registry answers 401 with.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace auth {

// Longer headers are refused before decoding (a JWT with a few scopes is well under this).
inline constexpr std::size_t kMaxAuthorizationLength = 8192;

struct BasicCredentials {
  std::string user;
  std::string password;

  bool operator==(const BasicCredentials&) const = default;
};

// `Basic base64(user:password)`; the scheme in any case, the user up to the first ':' (the
// password may hold more). nullopt for another scheme, bad base64, no ':', an empty user, a
// NUL or other control character in either part, or a header over the size cap.
std::optional<BasicCredentials> parse_basic_authorization(std::string_view header);

// `Bearer <token68>`; the token, or nullopt for another scheme, an empty token, characters
// outside token68, or a header over the size cap.
std::optional<std::string> parse_bearer_authorization(std::string_view header);

struct BearerChallenge {
  std::string realm;    // the token endpoint's URL
  std::string service;  // the registry's name, as the token's audience
  std::string scope;    // space-separated scopes; left out when empty
  std::string error;    // e.g. "insufficient_scope"; left out when empty
};

// `Bearer realm="...",service="...",scope="..."`: '"' and '\' escaped with '\', control
// characters dropped so that no value can end the header line.
std::string format_bearer_challenge(const BearerChallenge& challenge);

}  // namespace auth
