#include "signature/cosign_envelope.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <bit>
#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "oci/base64.h"
#include "oci/json_depth.h"

namespace signature::internal {

namespace {

using Json = nlohmann::json;
using SecretKey = std::array<unsigned char, crypto_secretbox_KEYBYTES>;

constexpr std::size_t kSaltSize = 32;  // what securesystemslib generates
constexpr std::size_t kMaxSaltSize = 1024;
constexpr std::size_t kMaxCiphertext =
    std::size_t{64} * 1024;  // a PKCS#8 RSA-4096 key is about 2.4 KB
// Above what the largest accepted parameters need (128·N·r + 128·r·p bytes).
constexpr std::uint64_t kScryptMaxMemory = 600ULL * 1024 * 1024;

oci::Error malformed(std::string what) {
  return oci::Error{oci::ErrorCode::kUnsupported, "encrypted private key: " + std::move(what)};
}

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium: initialisation failed");
}

struct ScryptParams {
  std::uint64_t n = kScryptN;
  std::uint64_t r = kScryptR;
  std::uint64_t p = kScryptP;
};

std::optional<SecretKey> derive_key(std::string_view passphrase, std::string_view salt,
                                    const ScryptParams& params) {
  SecretKey key{};
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), params.n,
                     params.r, params.p, kScryptMaxMemory, key.data(), key.size()) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  return key;
}

const Json* member(const Json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  const auto found = object.find(name);
  return found == object.end() ? nullptr : &*found;
}

oci::Result<std::string> base64_member(const Json& object, const char* name, const char* where) {
  const Json* value = member(object, name);
  if (value == nullptr || !value->is_string()) {
    return std::unexpected(malformed(std::string(where) + " is missing or not a string"));
  }
  auto bytes = oci::base64_decode(value->get_ref<const std::string&>());
  if (!bytes) return std::unexpected(malformed(std::string(where) + " is not valid base64"));
  return std::move(*bytes);
}

oci::Result<std::uint64_t> bounded_param(const Json& params, const char* name, std::uint64_t max) {
  const Json* value = member(params, name);
  if (value == nullptr || !value->is_number_integer() || value->get<std::int64_t>() < 1 ||
      value->get<std::uint64_t>() > max) {
    return std::unexpected(malformed("scrypt parameter " + std::string(name) +
                                     " must be an integer from 1 to " + std::to_string(max)));
  }
  return value->get<std::uint64_t>();
}

oci::Result<ScryptParams> scrypt_params(const Json& kdf) {
  const Json* name = member(kdf, "name");
  if (name == nullptr || *name != "scrypt") {
    return std::unexpected(malformed("unsupported key derivation function (want scrypt)"));
  }
  const Json* params = member(kdf, "params");
  if (params == nullptr) return std::unexpected(malformed("kdf.params is missing"));
  auto n = bounded_param(*params, "N", kMaxScryptN);
  if (!n) return std::unexpected(n.error());
  if (*n < 2 || !std::has_single_bit(*n)) {
    return std::unexpected(malformed("scrypt parameter N must be a power of two"));
  }
  auto r = bounded_param(*params, "r", kMaxScryptR);
  if (!r) return std::unexpected(r.error());
  auto p = bounded_param(*params, "p", kMaxScryptP);
  if (!p) return std::unexpected(p.error());
  return ScryptParams{*n, *r, *p};
}

}  // namespace

std::string seal_envelope(std::string_view plaintext, std::string_view passphrase) {
  ensure_sodium();
  std::string salt(kSaltSize, '\0');
  std::string nonce(crypto_secretbox_NONCEBYTES, '\0');
  randombytes_buf(salt.data(), salt.size());
  randombytes_buf(nonce.data(), nonce.size());
  std::optional<SecretKey> key = derive_key(passphrase, salt, ScryptParams{});
  if (!key) throw std::runtime_error("OpenSSL: scrypt failed");
  std::string sealed(plaintext.size() + crypto_secretbox_MACBYTES, '\0');
  crypto_secretbox_easy(reinterpret_cast<unsigned char*>(sealed.data()),
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        reinterpret_cast<const unsigned char*>(nonce.data()), key->data());
  OPENSSL_cleanse(key->data(), key->size());
  // Members in the order Go's encoding/json writes cosign's structs.
  nlohmann::ordered_json envelope;
  envelope["kdf"]["name"] = "scrypt";
  envelope["kdf"]["params"]["N"] = kScryptN;
  envelope["kdf"]["params"]["r"] = kScryptR;
  envelope["kdf"]["params"]["p"] = kScryptP;
  envelope["kdf"]["salt"] = oci::base64_encode(salt);
  envelope["cipher"]["name"] = "nacl/secretbox";
  envelope["cipher"]["nonce"] = oci::base64_encode(nonce);
  envelope["ciphertext"] = oci::base64_encode(sealed);
  return envelope.dump();
}

oci::Result<std::string> open_envelope(std::string_view text, std::string_view passphrase) {
  ensure_sodium();
  if (oci::json_nests_deeper_than(text)) return std::unexpected(malformed("JSON nests too deep"));
  const Json envelope = Json::parse(text, nullptr, false);
  if (envelope.is_discarded() || !envelope.is_object()) {
    return std::unexpected(malformed("not a JSON object"));
  }
  const Json* kdf = member(envelope, "kdf");
  const Json* cipher = member(envelope, "cipher");
  if (kdf == nullptr || cipher == nullptr) {
    return std::unexpected(malformed("kdf or cipher is missing"));
  }
  auto params = scrypt_params(*kdf);
  if (!params) return std::unexpected(params.error());
  const Json* cipher_name = member(*cipher, "name");
  if (cipher_name == nullptr || *cipher_name != "nacl/secretbox") {
    return std::unexpected(malformed("unsupported cipher (want nacl/secretbox)"));
  }
  auto salt = base64_member(*kdf, "salt", "kdf.salt");
  if (!salt) return std::unexpected(salt.error());
  if (salt->empty() || salt->size() > kMaxSaltSize) {
    return std::unexpected(malformed("kdf.salt has an implausible size"));
  }
  auto nonce = base64_member(*cipher, "nonce", "cipher.nonce");
  if (!nonce) return std::unexpected(nonce.error());
  if (nonce->size() != crypto_secretbox_NONCEBYTES) {
    return std::unexpected(malformed("cipher.nonce is not 24 bytes"));
  }
  auto sealed = base64_member(envelope, "ciphertext", "ciphertext");
  if (!sealed) return std::unexpected(sealed.error());
  if (sealed->size() < crypto_secretbox_MACBYTES || sealed->size() > kMaxCiphertext) {
    return std::unexpected(malformed("ciphertext is truncated or too large"));
  }
  std::optional<SecretKey> key = derive_key(passphrase, *salt, *params);
  if (!key) return std::unexpected(malformed("scrypt refused the parameters"));
  std::string plaintext(sealed->size() - crypto_secretbox_MACBYTES, '\0');
  const int opened = crypto_secretbox_open_easy(
      reinterpret_cast<unsigned char*>(plaintext.data()),
      reinterpret_cast<const unsigned char*>(sealed->data()), sealed->size(),
      reinterpret_cast<const unsigned char*>(nonce->data()), key->data());
  OPENSSL_cleanse(key->data(), key->size());
  if (opened != 0) {
    // The secretbox tag cannot tell a wrong passphrase from altered bytes.
    return oci::fail(oci::ErrorCode::kDenied,
                     "wrong passphrase for the private key (or the key file is corrupt): "
                     "decryption failed");
  }
  return plaintext;
}

}  // namespace signature::internal
