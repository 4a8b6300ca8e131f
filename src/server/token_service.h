// The built-in token server's keys and tokens: access tokens (JWTs carrying the granted
// scopes, audience = the service) and refresh tokens (long-lived, audience = the service
// with "/refresh" appended, so neither can stand in for the other), plus the keys of an
// external issuer whose access tokens are accepted too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwt.h"
#include "auth/keys.h"
#include "metadata/store.h"
#include "server/auth_config.h"

namespace server {

class TokenService {
 public:
  // The signing key from token.key, else one made on first start and kept in `shared` (a
  // database every replica uses: a token one replica signs, another checks) or, without it,
  // in <storage_root>/auth/token-key.pem (mode 0600); the external keys from
  // token.trusted_keys. Errors name the file.
  static oci::Result<TokenService> make(const TokenConfig& config,
                                        const std::filesystem::path& storage_root,
                                        metadata::Store* shared = nullptr);

  oci::Result<std::string> issue_access(const std::string& user, std::vector<auth::Scope> access,
                                        std::int64_t now) const;
  oci::Result<std::string> issue_refresh(const std::string& user, std::int64_t now) const;

  // An access token of ours or of the trusted issuer; kUnauthorized saying why not.
  oci::Result<auth::Claims> verify_access(std::string_view token, std::int64_t now) const;
  // The user a refresh token of ours was issued to.
  oci::Result<std::string> verify_refresh(std::string_view token, std::int64_t now) const;

  const TokenConfig& config() const { return config_; }

 private:
  TokenService(TokenConfig config, auth::PrivateKey key)
      : config_(std::move(config)), key_(std::move(key)) {}
  auth::Claims claims(const std::string& user, std::string audience, std::int64_t now,
                      std::chrono::seconds lifetime) const;

  TokenConfig config_;
  auth::PrivateKey key_;
  std::vector<auth::PublicKey> trusted_;
};

}  // namespace server
