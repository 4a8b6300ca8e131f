// The keys tokens are signed and verified with: EC P-256 (ES256) or RSA of 2048 bits or more
// (RS256). A private key comes from a PEM file (PKCS#8 or the traditional forms, never
// encrypted) or is generated; public keys come from PEM (public keys or certificates, one
// or more) or a JWKS document (RFC 7517). Every key carries a `kid`: the JWKS's, else its
// RFC 7638 thumbprint (base64url SHA-256 of its canonical JWK), which the signer puts in
// each token's header.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"

using EVP_PKEY = struct evp_pkey_st;

namespace auth {

inline constexpr std::size_t kMaxKeyFileSize = std::size_t{1024} * 1024;
inline constexpr std::size_t kMaxJwksSize = std::size_t{256} * 1024;
inline constexpr std::size_t kMaxJwksKeys = 64;

enum class KeyAlgorithm { kEs256, kRs256 };

// "ES256", "RS256".
std::string_view algorithm_name(KeyAlgorithm algorithm);

class PublicKey {
 public:
  // `pkey` (shared, never changed) when it is EC P-256 or RSA >= 2048 bits, with `kid`, or
  // its thumbprint when `kid` is empty; kUnsupported otherwise.
  static oci::Result<PublicKey> from_pkey(std::shared_ptr<EVP_PKEY> pkey, std::string kid = {});

  KeyAlgorithm algorithm() const { return algorithm_; }
  const std::string& kid() const { return kid_; }
  EVP_PKEY* pkey() const { return pkey_.get(); }

 private:
  std::shared_ptr<EVP_PKEY> pkey_;
  KeyAlgorithm algorithm_ = KeyAlgorithm::kEs256;
  std::string kid_;
};

class PrivateKey {
 public:
  // kUnsupported for anything but one unencrypted EC P-256 or RSA >= 2048 private key.
  static oci::Result<PrivateKey> from_pem(std::string_view pem);
  static oci::Result<PrivateKey> generate_ec();

  // PKCS#8 PEM, unencrypted.
  oci::Result<std::string> to_pem() const;

  KeyAlgorithm algorithm() const { return public_.algorithm(); }
  const std::string& kid() const { return public_.kid(); }
  const PublicKey& public_key() const { return public_; }
  EVP_PKEY* pkey() const { return pkey_.get(); }

 private:
  // The key with its public half (algorithm, kid) worked out once.
  static oci::Result<PrivateKey> from_pkey(std::shared_ptr<EVP_PKEY> pkey);

  std::shared_ptr<EVP_PKEY> pkey_;
  PublicKey public_;
};

// Every `PUBLIC KEY` and `CERTIFICATE` block of `pem` (other blocks are skipped); kUnsupported
// when one is unreadable or of an unsupported kind, or when there is none.
oci::Result<std::vector<PublicKey>> public_keys_from_pem(std::string_view pem);

// The EC P-256 and RSA keys of a JWKS document; keys of another `kty` (or `"use": "enc"`) are
// skipped as RFC 7517 §5 asks. kUnsupported for text over kMaxJwksSize or nested deeper than
// a JWKS does, malformed JSON or members, a key the document's own `alg` contradicts, more
// than kMaxJwksKeys keys, or no usable key at all.
oci::Result<std::vector<PublicKey>> public_keys_from_jwks(std::string_view text);

// `{"keys": [...]}` with each key's JWK (kid, alg, "use": "sig"), as a token server
// publishes them; public_keys_from_jwks reads it back.
std::string format_jwks(const std::vector<PublicKey>& keys);

// A key file's text (at most kMaxKeyFileSize bytes).
oci::Result<std::string> read_key_file(const std::filesystem::path& path);

// `key` as PEM at `path`, mode 0600, replaced atomically.
oci::Result<void> write_private_key_file(const std::filesystem::path& path, const PrivateKey& key);

}  // namespace auth
