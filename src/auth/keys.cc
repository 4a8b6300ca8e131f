#include "auth/keys.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <nlohmann/json.hpp>

#include <array>

#include "oci/base64.h"
#include "oci/json_depth.h"
#include "sys/atomic_file.h"
#include "sys/small_file.h"

namespace auth {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;  // verifying with larger keys costs too much per request
constexpr std::size_t kEcCoordinateSize = 32;
constexpr int kJwksNesting = 4;  // {"keys": [{"x5c": [...]}]}

std::unexpected<oci::Error> unsupported(std::string message) {
  return oci::fail(oci::ErrorCode::kUnsupported, std::move(message));
}

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* pkey) {
  return pkey == nullptr ? nullptr : std::shared_ptr<EVP_PKEY>(pkey, EVP_PKEY_free);
}

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using Bignum = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

Bio memory_bio(std::string_view text) {
  return {BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free};
}

// Never prompt on a terminal for an encrypted key's passphrase: refuse the key.
int no_passphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*data*/) { return -1; }

std::string bignum_bytes(const BIGNUM* number, int width) {
  std::string bytes(static_cast<std::size_t>(width > 0 ? width : BN_num_bytes(number)), '\0');
  BN_bn2binpad(number, reinterpret_cast<unsigned char*>(bytes.data()),
               static_cast<int>(bytes.size()));
  return bytes;
}

Bignum bignum_param(EVP_PKEY* pkey, const char* name) {
  BIGNUM* number = nullptr;
  EVP_PKEY_get_bn_param(pkey, name, &number);
  return {number, BN_free};
}

// The members RFC 7638 requires of the key's JWK.
nlohmann::json jwk_members(EVP_PKEY* pkey, KeyAlgorithm algorithm) {
  if (algorithm == KeyAlgorithm::kEs256) {
    const Bignum x = bignum_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X);
    const Bignum y = bignum_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y);
    if (!x || !y) return nullptr;
    return {{"kty", "EC"},
            {"crv", "P-256"},
            {"x", oci::base64url_encode(bignum_bytes(x.get(), kEcCoordinateSize))},
            {"y", oci::base64url_encode(bignum_bytes(y.get(), kEcCoordinateSize))}};
  }
  const Bignum n = bignum_param(pkey, OSSL_PKEY_PARAM_RSA_N);
  const Bignum e = bignum_param(pkey, OSSL_PKEY_PARAM_RSA_E);
  if (!n || !e) return nullptr;
  return {{"kty", "RSA"},
          {"n", oci::base64url_encode(bignum_bytes(n.get(), 0))},
          {"e", oci::base64url_encode(bignum_bytes(e.get(), 0))}};
}

// RFC 7638: SHA-256 of the required members in lexicographic order without whitespace,
// which is how nlohmann's dump() writes an object of plain strings.
std::string thumbprint(EVP_PKEY* pkey, KeyAlgorithm algorithm) {
  const nlohmann::json members = jwk_members(pkey, algorithm);
  if (members.is_null()) return {};
  const std::string canonical = members.dump();
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), digest.data());
  return oci::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

oci::Result<KeyAlgorithm> algorithm_of(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "EC") == 1) {
    std::array<char, 64> group{};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(pkey, group.data(), group.size(), &length) != 1 ||
        std::string_view(group.data(), length) != "prime256v1") {
      return unsupported("an EC key must be on the P-256 curve");
    }
    return KeyAlgorithm::kEs256;
  }
  if (EVP_PKEY_is_a(pkey, "RSA") == 1) {
    const int bits = EVP_PKEY_get_bits(pkey);
    if (bits < kMinRsaBits || bits > kMaxRsaBits) {
      return unsupported(fmt::format("an RSA key must have {} to {} bits, not {}", kMinRsaBits,
                                     kMaxRsaBits, bits));
    }
    return KeyAlgorithm::kRs256;
  }
  return unsupported("only EC P-256 and RSA keys are supported");
}

// A public key from JWK members, the key's own check included (an EC point on the curve).
oci::Result<std::shared_ptr<EVP_PKEY>> pkey_from_params(const char* type, OSSL_PARAM_BLD* build) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
  EVP_PKEY_CTX* context = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* raw = nullptr;
  const bool made = params != nullptr && context != nullptr &&
                    EVP_PKEY_fromdata_init(context) == 1 &&
                    EVP_PKEY_fromdata(context, &raw, EVP_PKEY_PUBLIC_KEY, params) == 1;
  OSSL_PARAM_free(params);
  EVP_PKEY_CTX_free(context);
  std::shared_ptr<EVP_PKEY> pkey = own(raw);
  if (!made || !pkey) return unsupported(fmt::format("unusable {} key", type));
  EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr);
  const bool valid = check != nullptr && EVP_PKEY_public_check(check) == 1;
  EVP_PKEY_CTX_free(check);
  if (!valid) return unsupported(fmt::format("invalid {} public key", type));
  return pkey;
}

oci::Result<std::string> jwk_bytes(const nlohmann::json& jwk, const char* member) {
  const auto found = jwk.find(member);
  if (found == jwk.end() || !found->is_string()) {
    return unsupported(fmt::format("a JWK lacks the string member \"{}\"", member));
  }
  std::optional<std::string> bytes = oci::base64url_decode(found->get_ref<const std::string&>());
  if (!bytes || bytes->empty()) {
    return unsupported(fmt::format("a JWK's \"{}\" is not base64url", member));
  }
  return std::move(*bytes);
}

oci::Result<std::shared_ptr<EVP_PKEY>> ec_from_jwk(const nlohmann::json& jwk) {
  const auto crv = jwk.find("crv");
  if (crv == jwk.end() || *crv != "P-256") return unsupported("an EC JWK must have crv P-256");
  oci::Result<std::string> x = jwk_bytes(jwk, "x");
  if (!x) return std::unexpected(x.error());
  oci::Result<std::string> y = jwk_bytes(jwk, "y");
  if (!y) return std::unexpected(y.error());
  if (x->size() != kEcCoordinateSize || y->size() != kEcCoordinateSize) {
    return unsupported("an EC JWK's x and y must be 32 bytes each");
  }
  const std::string point = "\x04" + *x + *y;
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(),
                                                                        OSSL_PARAM_BLD_free);
  if (!build ||
      OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return oci::fail(oci::ErrorCode::kInternal, "OpenSSL parameter building failed");
  }
  return pkey_from_params("EC", build.get());
}

oci::Result<std::shared_ptr<EVP_PKEY>> rsa_from_jwk(const nlohmann::json& jwk) {
  oci::Result<std::string> n = jwk_bytes(jwk, "n");
  if (!n) return std::unexpected(n.error());
  oci::Result<std::string> e = jwk_bytes(jwk, "e");
  if (!e) return std::unexpected(e.error());
  if (n->size() * 8 > kMaxRsaBits || e->size() > 8) return unsupported("an RSA JWK is too large");
  const auto to_bignum = [](const std::string& bytes) {
    return Bignum(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()), nullptr),
                  BN_free);
  };
  const Bignum modulus = to_bignum(*n);
  const Bignum exponent = to_bignum(*e);
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(),
                                                                        OSSL_PARAM_BLD_free);
  if (!modulus || !exponent || !build ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
    return oci::fail(oci::ErrorCode::kInternal, "OpenSSL parameter building failed");
  }
  return pkey_from_params("RSA", build.get());
}

}  // namespace

std::string_view algorithm_name(KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::kEs256 ? "ES256" : "RS256";
}

oci::Result<PublicKey> PublicKey::from_pkey(std::shared_ptr<EVP_PKEY> pkey, std::string kid) {
  if (!pkey) return unsupported("no key");
  const oci::Result<KeyAlgorithm> algorithm = algorithm_of(pkey.get());
  if (!algorithm) return std::unexpected(algorithm.error());
  PublicKey key;
  key.algorithm_ = *algorithm;
  key.kid_ = kid.empty() ? thumbprint(pkey.get(), *algorithm) : std::move(kid);
  if (key.kid_.empty()) return unsupported("the key's public part is unreadable");
  key.pkey_ = std::move(pkey);
  return key;
}

oci::Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  if (pem.size() > kMaxKeyFileSize) return unsupported("the private key file is too large");
  const Bio bio = memory_bio(pem);
  std::shared_ptr<EVP_PKEY> pkey =
      own(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey) return unsupported("no unencrypted private key in the PEM text");
  return from_pkey(std::move(pkey));
}

oci::Result<PrivateKey> PrivateKey::generate_ec() {
  std::shared_ptr<EVP_PKEY> pkey = own(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!pkey) return oci::fail(oci::ErrorCode::kInternal, "EC P-256 key generation failed");
  return from_pkey(std::move(pkey));
}

oci::Result<PrivateKey> PrivateKey::from_pkey(std::shared_ptr<EVP_PKEY> pkey) {
  oci::Result<PublicKey> public_key = PublicKey::from_pkey(pkey);
  if (!public_key) return std::unexpected(public_key.error());
  PrivateKey key;
  key.pkey_ = std::move(pkey);
  key.public_ = std::move(*public_key);
  return key;
}

oci::Result<std::string> PrivateKey::to_pem() const {
  const Bio bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return oci::fail(oci::ErrorCode::kInternal, "writing the private key as PEM failed");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

oci::Result<std::vector<PublicKey>> public_keys_from_pem(std::string_view pem) {
  if (pem.size() > kMaxKeyFileSize) return unsupported("the public key file is too large");
  const Bio bio = memory_bio(pem);
  std::vector<PublicKey> keys;
  while (true) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long length = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &length) != 1) break;
    const std::string block = name;
    const unsigned char* cursor = data;
    std::shared_ptr<EVP_PKEY> pkey;
    if (block == "PUBLIC KEY") {
      pkey = own(d2i_PUBKEY(nullptr, &cursor, length));
    } else if (block == "CERTIFICATE") {
      X509* certificate = d2i_X509(nullptr, &cursor, length);
      if (certificate != nullptr) pkey = own(X509_get_pubkey(certificate));
      X509_free(certificate);
    }
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    if (block != "PUBLIC KEY" && block != "CERTIFICATE") continue;
    if (!pkey) return unsupported(fmt::format("an unreadable {} block", block));
    oci::Result<PublicKey> key = PublicKey::from_pkey(std::move(pkey));
    if (!key) return std::unexpected(key.error());
    keys.push_back(std::move(*key));
  }
  if (keys.empty()) return unsupported("no PUBLIC KEY or CERTIFICATE block in the PEM text");
  return keys;
}

oci::Result<std::vector<PublicKey>> public_keys_from_jwks(std::string_view text) {
  if (text.size() > kMaxJwksSize) return unsupported("the JWKS document is too large");
  if (oci::json_nests_deeper_than(text, kJwksNesting)) {
    return unsupported("the JWKS document nests too deep");
  }
  const nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return unsupported("the JWKS document is not a JSON object");
  }
  const auto members = document.find("keys");
  if (members == document.end() || !members->is_array()) {
    return unsupported("the JWKS document has no \"keys\" array");
  }
  if (members->size() > kMaxJwksKeys) return unsupported("the JWKS document has too many keys");
  std::vector<PublicKey> keys;
  for (const nlohmann::json& jwk : *members) {
    if (!jwk.is_object()) return unsupported("a JWKS key is not an object");
    const auto kty = jwk.find("kty");
    if (kty == jwk.end() || !kty->is_string()) return unsupported("a JWK has no kty");
    const auto use = jwk.find("use");
    if (use != jwk.end() && *use != "sig") continue;
    if (*kty != "EC" && *kty != "RSA") continue;
    oci::Result<std::shared_ptr<EVP_PKEY>> pkey =
        *kty == "EC" ? ec_from_jwk(jwk) : rsa_from_jwk(jwk);
    if (!pkey) return std::unexpected(pkey.error());
    std::string kid;
    if (const auto found = jwk.find("kid"); found != jwk.end()) {
      if (!found->is_string()) return unsupported("a JWK's kid is not a string");
      kid = found->get<std::string>();
    }
    oci::Result<PublicKey> key = PublicKey::from_pkey(std::move(*pkey), std::move(kid));
    if (!key) return std::unexpected(key.error());
    if (const auto alg = jwk.find("alg");
        alg != jwk.end() && *alg != algorithm_name(key->algorithm())) {
      return unsupported("a JWK's alg does not fit its key");
    }
    keys.push_back(std::move(*key));
  }
  if (keys.empty()) return unsupported("the JWKS document has no EC P-256 or RSA signing key");
  return keys;
}

std::string format_jwks(const std::vector<PublicKey>& keys) {
  nlohmann::json entries = nlohmann::json::array();
  for (const PublicKey& key : keys) {
    nlohmann::json jwk = jwk_members(key.pkey(), key.algorithm());
    jwk["kid"] = key.kid();
    jwk["alg"] = algorithm_name(key.algorithm());
    jwk["use"] = "sig";
    entries.push_back(std::move(jwk));
  }
  return nlohmann::json{{"keys", std::move(entries)}}.dump();
}

oci::Result<std::string> read_key_file(const std::filesystem::path& path) {
  sys::Result<std::string> text = sys::read_small_file(path, kMaxKeyFileSize);
  if (!text) {
    return oci::fail(text.error().code == sys::Errc::kNotFound ? oci::ErrorCode::kNotFound
                                                               : oci::ErrorCode::kInternal,
                     fmt::format("{}: {}", path.string(), text.error().message));
  }
  return std::move(*text);
}

oci::Result<void> write_private_key_file(const std::filesystem::path& path, const PrivateKey& key) {
  oci::Result<std::string> pem = key.to_pem();
  if (!pem) return std::unexpected(pem.error());
  sys::Result<void> written = sys::write_file_atomically(path, *pem, 0600);
  OPENSSL_cleanse(pem->data(), pem->size());
  if (!written) {
    return oci::fail(oci::ErrorCode::kInternal,
                     fmt::format("{}: {}", path.string(), written.error().message));
  }
  return {};
}

}  // namespace auth
