#include "auth/jwt.h"

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>

#include "oci/base64.h"
#include "oci/json_depth.h"

namespace auth {
namespace {

constexpr std::size_t kEs256SignatureSize = 64;           // r || s, 32 bytes each (RFC 7518 §3.4)
constexpr int kJsonNesting = 4;                           // {"access": [{"actions": [...]}]}
constexpr std::int64_t kMaxTime = 1'000'000'000'000'000;  // about 31 million years

std::unexpected<oci::Error> unauthorized(std::string message) {
  return oci::fail(oci::ErrorCode::kUnauthorized, std::move(message));
}

const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// ES256 signatures are r||s in JWS and DER in OpenSSL.
std::optional<std::string> der_from_raw(std::string_view raw) {
  if (raw.size() != kEs256SignatureSize) return std::nullopt;
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> signature(ECDSA_SIG_new(), ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(bytes_of(raw), kEs256SignatureSize / 2, nullptr);
  BIGNUM* s = BN_bin2bn(bytes_of(raw) + kEs256SignatureSize / 2, kEs256SignatureSize / 2, nullptr);
  if (!signature || r == nullptr || s == nullptr || ECDSA_SIG_set0(signature.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(signature.get(), &der);
  if (length <= 0) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> raw_from_der(std::string_view der) {
  const unsigned char* cursor = bytes_of(der);
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> signature(
      d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())), ECDSA_SIG_free);
  if (!signature) return std::nullopt;
  std::string raw(kEs256SignatureSize, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(signature.get()), out, kEs256SignatureSize / 2) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(signature.get()), out + kEs256SignatureSize / 2,
                   kEs256SignatureSize / 2) < 0) {
    return std::nullopt;
  }
  return raw;
}

using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

std::optional<std::string> sign_bytes(std::string_view input, const PrivateKey& key) {
  DigestContext context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t length = 0;
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key.pkey()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length, bytes_of(input), input.size()) != 1) {
    return std::nullopt;
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     bytes_of(input), input.size()) != 1) {
    return std::nullopt;
  }
  signature.resize(length);
  if (key.algorithm() == KeyAlgorithm::kEs256) return raw_from_der(signature);
  return signature;
}

bool signature_verifies(std::string_view input, std::string_view signature, const PublicKey& key) {
  std::string der;
  if (key.algorithm() == KeyAlgorithm::kEs256) {
    std::optional<std::string> converted = der_from_raw(signature);
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  }
  DigestContext context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return context &&
         EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key.pkey()) == 1 &&
         EVP_DigestVerify(context.get(), bytes_of(signature), signature.size(), bytes_of(input),
                          input.size()) == 1;
}

std::optional<nlohmann::json> decode_object(std::string_view part) {
  std::optional<std::string> text = oci::base64url_decode(part);
  if (!text || oci::json_nests_deeper_than(*text, kJsonNesting)) return std::nullopt;
  nlohmann::json object = nlohmann::json::parse(*text, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return std::nullopt;
  return object;
}

nlohmann::json access_json(const std::vector<Scope>& access) {
  nlohmann::json entries = nlohmann::json::array();
  for (const Scope& scope : access) {
    entries.push_back({{"type", scope.type}, {"name", scope.name}, {"actions", scope.actions}});
  }
  return entries;
}

nlohmann::json claims_json(const Claims& claims) {
  nlohmann::json out = nlohmann::json::object();
  if (!claims.issuer.empty()) out["iss"] = claims.issuer;
  out["sub"] = claims.subject;
  if (claims.audience.size() == 1) out["aud"] = claims.audience.front();
  if (claims.audience.size() > 1) out["aud"] = claims.audience;
  out["exp"] = claims.expires_at;
  if (claims.not_before) out["nbf"] = *claims.not_before;
  if (claims.issued_at) out["iat"] = *claims.issued_at;
  if (!claims.id.empty()) out["jti"] = claims.id;
  out["access"] = access_json(claims.access);
  return out;
}

// Claim readers: a member of the wrong type makes the token malformed.
bool read_string(const nlohmann::json& object, const char* name, std::string& out) {
  const auto found = object.find(name);
  if (found == object.end()) return true;
  if (!found->is_string()) return false;
  out = found->get<std::string>();
  return true;
}

// NumericDate may have a fraction (RFC 7519 §2); seconds are enough here.
bool read_time(const nlohmann::json& object, const char* name, std::optional<std::int64_t>& out) {
  const auto found = object.find(name);
  if (found == object.end()) return true;
  // Bounded so that adding the leeway cannot overflow; NaN fails the float comparison.
  if (found->is_number_unsigned()) {
    const auto value = found->get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(kMaxTime)) return false;
    out = static_cast<std::int64_t>(value);
    return true;
  }
  if (found->is_number_integer()) {
    const auto value = found->get<std::int64_t>();
    if (value < -kMaxTime || value > kMaxTime) return false;
    out = value;
    return true;
  }
  if (!found->is_number_float()) return false;
  const double value = found->get<double>();
  if (!(value > -static_cast<double>(kMaxTime) && value < static_cast<double>(kMaxTime))) {
    return false;
  }
  out = static_cast<std::int64_t>(value);
  return true;
}

bool read_audience(const nlohmann::json& object, std::vector<std::string>& out) {
  const auto found = object.find("aud");
  if (found == object.end()) return true;
  if (found->is_string()) {
    out.push_back(found->get<std::string>());
    return true;
  }
  if (!found->is_array()) return false;
  for (const nlohmann::json& value : *found) {
    if (!value.is_string()) return false;
    out.push_back(value.get<std::string>());
  }
  return true;
}

bool read_access(const nlohmann::json& object, std::vector<Scope>& out) {
  const auto found = object.find("access");
  if (found == object.end()) return true;
  if (!found->is_array()) return false;
  for (const nlohmann::json& entry : *found) {
    if (!entry.is_object()) return false;
    Scope scope;
    if (!read_string(entry, "type", scope.type) || !read_string(entry, "name", scope.name)) {
      return false;
    }
    const auto actions = entry.find("actions");
    if (actions != entry.end()) {
      if (!actions->is_array()) return false;
      for (const nlohmann::json& action : *actions) {
        if (!action.is_string()) return false;
        scope.actions.push_back(action.get<std::string>());
      }
    }
    out.push_back(std::move(scope));
  }
  return true;
}

std::optional<Claims> read_claims(const nlohmann::json& object) {
  Claims claims;
  std::optional<std::int64_t> expires_at;
  if (!read_string(object, "iss", claims.issuer) || !read_string(object, "sub", claims.subject) ||
      !read_string(object, "jti", claims.id) || !read_audience(object, claims.audience) ||
      !read_time(object, "exp", expires_at) || !read_time(object, "nbf", claims.not_before) ||
      !read_time(object, "iat", claims.issued_at) || !read_access(object, claims.access) ||
      !expires_at) {
    return std::nullopt;
  }
  claims.expires_at = *expires_at;
  return claims;
}

// The key the header names: by kid when it has one, else the only key of its algorithm.
const PublicKey* choose_key(const nlohmann::json& header, KeyAlgorithm algorithm,
                            const std::vector<PublicKey>& keys) {
  const auto kid = header.find("kid");
  const PublicKey* chosen = nullptr;
  for (const PublicKey& key : keys) {
    if (key.algorithm() != algorithm) continue;
    if (kid != header.end()) {
      if (kid->is_string() && *kid == key.kid()) return &key;
      continue;
    }
    if (chosen != nullptr) return nullptr;  // ambiguous
    chosen = &key;
  }
  return chosen;
}

}  // namespace

oci::Result<std::string> sign_token(const Claims& claims, const PrivateKey& key) {
  const nlohmann::json header = {
      {"alg", algorithm_name(key.algorithm())}, {"typ", "JWT"}, {"kid", key.kid()}};
  std::string payload;
  try {
    payload = claims_json(claims).dump();
  } catch (const nlohmann::json::exception&) {
    // dump() throws on strings that are not UTF-8; JSON cannot carry them.
    return oci::fail(oci::ErrorCode::kUnsupported, "a claim is not valid UTF-8");
  }
  const std::string input =
      oci::base64url_encode(header.dump()) + '.' + oci::base64url_encode(payload);
  const std::optional<std::string> signature = sign_bytes(input, key);
  if (!signature) return oci::fail(oci::ErrorCode::kInternal, "signing the token failed");
  std::string token = input + '.' + oci::base64url_encode(*signature);
  if (token.size() > kMaxTokenSize) {
    return oci::fail(oci::ErrorCode::kSizeInvalid,
                     fmt::format("the token would be longer than {} bytes", kMaxTokenSize));
  }
  return token;
}

oci::Result<Claims> verify_token(std::string_view token, const VerifyOptions& options) {
  if (token.size() > kMaxTokenSize) return unauthorized("the token is too long");
  const std::size_t first = token.find('.');
  const std::size_t second = token.find('.', first == std::string_view::npos ? first : first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos ||
      token.find('.', second + 1) != std::string_view::npos) {
    return unauthorized("the token is not a compact JWS");
  }
  const std::optional<nlohmann::json> header = decode_object(token.substr(0, first));
  if (!header) return unauthorized("the token's header is malformed");
  const auto alg = header->find("alg");
  std::optional<KeyAlgorithm> algorithm;
  if (alg != header->end() && *alg == "ES256") algorithm = KeyAlgorithm::kEs256;
  if (alg != header->end() && *alg == "RS256") algorithm = KeyAlgorithm::kRs256;
  if (!algorithm) return unauthorized("the token's alg is not ES256 or RS256");
  if (header->contains("crit")) return unauthorized("the token has critical header extensions");
  const PublicKey* key = choose_key(*header, *algorithm, options.keys);
  if (key == nullptr) return unauthorized("no key verifies this token's alg and kid");
  const std::optional<std::string> signature = oci::base64url_decode(token.substr(second + 1));
  if (!signature || !signature_verifies(token.substr(0, second), *signature, *key)) {
    return unauthorized("the token's signature does not verify");
  }
  const std::optional<nlohmann::json> payload =
      decode_object(token.substr(first + 1, second - first - 1));
  if (!payload) return unauthorized("the token's claims are malformed");
  std::optional<Claims> claims = read_claims(*payload);
  if (!claims) return unauthorized("the token's claims are malformed or lack exp");
  if (options.now > claims->expires_at + options.leeway_seconds) {
    return unauthorized("the token has expired");
  }
  if (claims->not_before && options.now + options.leeway_seconds < *claims->not_before) {
    return unauthorized("the token is not valid yet");
  }
  if (!options.issuer.empty() && claims->issuer != options.issuer) {
    return unauthorized("the token's issuer is not trusted");
  }
  if (!options.audience.empty() &&
      std::ranges::find(claims->audience, options.audience) == claims->audience.end()) {
    return unauthorized("the token is not meant for this service");
  }
  return std::move(*claims);
}

}  // namespace auth
