#include "server/token_service.h"

#include <openssl/rand.h>

#include <array>

#include "sys/directories.h"

namespace server {
namespace {

std::string refresh_audience(const std::string& service) { return service + "/refresh"; }

// The key every replica sharing the database signs with: the first to start makes it.
oci::Result<auth::PrivateKey> shared_key(metadata::Store& store) {
  auto made = auth::PrivateKey::generate_ec();
  if (!made) return made;
  auto pem = made->to_pem();
  if (!pem) return std::unexpected(pem.error());
  auto kept = store.shared_setting("auth.token.key", *pem);
  if (!kept) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "token key in the database: " + kept.error().message);
  }
  auto key = auth::PrivateKey::from_pem(*kept);
  if (!key)
    return oci::fail(oci::ErrorCode::kInternal,
                     "token key in the database: " + key.error().message);
  return key;
}

oci::Result<auth::PrivateKey> load_or_create_key(const TokenConfig& config,
                                                 const std::filesystem::path& storage_root,
                                                 metadata::Store* shared) {
  const bool configured = !config.key.empty();
  if (!configured && shared != nullptr) return shared_key(*shared);
  const std::filesystem::path path =
      configured ? config.key : storage_root / "auth" / "token-key.pem";
  std::error_code ec;
  if (configured || std::filesystem::exists(path, ec)) {
    auto pem = auth::read_key_file(path);
    if (!pem)
      return oci::fail(oci::ErrorCode::kInternal,
                       "token key " + path.string() + ": " + pem.error().message);
    auto key = auth::PrivateKey::from_pem(*pem);
    if (!key)
      return oci::fail(oci::ErrorCode::kInternal,
                       "token key " + path.string() + ": " + key.error().message);
    return key;
  }
  if (auto made = sys::create_private_directories(path.parent_path()); !made) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "cannot create " + path.parent_path().string() + ": " + made.error().message);
  }
  auto key = auth::PrivateKey::generate_ec();
  if (!key) return key;
  if (auto written = auth::write_private_key_file(path, *key); !written) {
    return std::unexpected(written.error());
  }
  return key;
}

oci::Result<std::vector<auth::PublicKey>> load_trusted_keys(const TokenConfig& config) {
  std::vector<auth::PublicKey> keys;
  for (const auto& path : config.trusted_keys) {
    auto text = auth::read_key_file(path);
    if (!text)
      return oci::fail(oci::ErrorCode::kInternal,
                       "trusted key " + path.string() + ": " + text.error().message);
    const auto first = text->find_first_not_of(" \t\r\n");
    const bool jwks = first != std::string::npos && (*text)[first] == '{';
    auto loaded = jwks ? auth::public_keys_from_jwks(*text) : auth::public_keys_from_pem(*text);
    if (!loaded) {
      return oci::fail(oci::ErrorCode::kInternal,
                       "trusted key " + path.string() + ": " + loaded.error().message);
    }
    keys.insert(keys.end(), loaded->begin(), loaded->end());
  }
  return keys;
}

std::string random_id() {
  std::array<unsigned char, 16> bytes{};
  RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (const unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

}  // namespace

oci::Result<TokenService> TokenService::make(const TokenConfig& config,
                                             const std::filesystem::path& storage_root,
                                             metadata::Store* shared) {
  if (!config.trusted_keys.empty() && config.trusted_issuer.empty()) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "config: auth.token.trusted_keys needs auth.token.trusted_issuer");
  }
  auto key = load_or_create_key(config, storage_root, shared);
  if (!key) return std::unexpected(key.error());
  auto trusted = load_trusted_keys(config);
  if (!trusted) return std::unexpected(trusted.error());
  TokenService service(config, std::move(*key));
  service.trusted_ = std::move(*trusted);
  return service;
}

auth::Claims TokenService::claims(const std::string& user, std::string audience, std::int64_t now,
                                  std::chrono::seconds lifetime) const {
  auth::Claims claims;
  claims.issuer = config_.issuer;
  claims.subject = user;
  claims.audience = {std::move(audience)};
  claims.issued_at = now;
  claims.not_before = now;
  claims.expires_at = now + lifetime.count();
  claims.id = random_id();
  return claims;
}

oci::Result<std::string> TokenService::issue_access(const std::string& user,
                                                    std::vector<auth::Scope> access,
                                                    std::int64_t now) const {
  auth::Claims made = claims(user, config_.service, now, config_.expiry);
  made.access = std::move(access);
  return auth::sign_token(made, key_);
}

oci::Result<std::string> TokenService::issue_refresh(const std::string& user,
                                                     std::int64_t now) const {
  return auth::sign_token(
      claims(user, refresh_audience(config_.service), now, config_.refresh_expiry), key_);
}

oci::Result<auth::Claims> TokenService::verify_access(std::string_view token,
                                                      std::int64_t now) const {
  const auth::VerifyOptions ours{.keys = {key_.public_key()},
                                 .issuer = config_.issuer,
                                 .audience = config_.service,
                                 .now = now};
  auto verified = auth::verify_token(token, ours);
  if (verified || trusted_.empty()) return verified;
  const auth::VerifyOptions theirs{
      .keys = trusted_, .issuer = config_.trusted_issuer, .audience = config_.service, .now = now};
  auto external = auth::verify_token(token, theirs);
  // The external issuer's reason only when the token is none of ours.
  if (external || verified.error().message.find("no key") != std::string::npos) return external;
  return verified;
}

oci::Result<std::string> TokenService::verify_refresh(std::string_view token,
                                                      std::int64_t now) const {
  const auth::VerifyOptions ours{.keys = {key_.public_key()},
                                 .issuer = config_.issuer,
                                 .audience = refresh_audience(config_.service),
                                 .now = now};
  auto verified = auth::verify_token(token, ours);
  if (!verified) return std::unexpected(verified.error());
  if (verified->subject.empty()) {
    return oci::fail(oci::ErrorCode::kUnauthorized, "the refresh token names no user");
  }
  return verified->subject;
}

}  // namespace server
