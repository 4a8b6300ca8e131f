// Bearer tokens as compact JWS (RFC 7515/7519), the form Docker's token spec uses: header
// {"alg","typ":"JWT","kid"}, claims iss, sub, aud, exp, nbf, iat, jti and `access` (the
// scopes granted). Only ES256 and RS256: the algorithm is fixed by the verifying key's
// type, so `none`, HS256 with a public key as secret, or an RS256 header on an EC key are
// refused before any signature check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/keys.h"
#include "auth/scope.h"
#include "oci/error.h"

namespace auth {

inline constexpr std::size_t kMaxTokenSize = 8192;  // what an Authorization header may hold
inline constexpr std::int64_t kDefaultLeewaySeconds = 60;

struct Claims {
  std::string issuer;                      // iss
  std::string subject;                     // sub: the user name, empty for anonymous
  std::vector<std::string> audience;       // aud: one string when a single value
  std::int64_t expires_at = 0;             // exp, seconds since the epoch; required
  std::optional<std::int64_t> not_before;  // nbf
  std::optional<std::int64_t> issued_at;   // iat
  std::string id;                          // jti
  std::vector<Scope> access;               // Docker's access claim

  bool operator==(const Claims&) const = default;
};

// `header.payload.signature`, signed with `key` (its kid in the header).
oci::Result<std::string> sign_token(const Claims& claims, const PrivateKey& key);

struct VerifyOptions {
  std::vector<PublicKey> keys;  // the token's kid picks one; without kid, any of its type
  std::string issuer;           // required iss when not empty
  std::string audience;         // required among aud when not empty
  std::int64_t now = 0;         // seconds since the epoch
  std::int64_t leeway_seconds = kDefaultLeewaySeconds;  // clock skew allowed on exp and nbf
};

// The claims of a token whose signature, algorithm, times, issuer and audience check out;
// kUnauthorized with the reason otherwise (malformed, oversized, unknown kid, bad signature,
// expired, not yet valid, wrong issuer or audience).
oci::Result<Claims> verify_token(std::string_view token, const VerifyOptions& options);

}  // namespace auth
