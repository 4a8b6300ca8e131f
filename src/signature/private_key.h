// Signing keys in cosign's encrypted key file format, which cosign, skopeo and podman
// (--sign-by-sigstore-private-key) read and write.
#pragma once

#include <openssl/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "oci/error.h"
#include "signature/public_key.h"

namespace signature {

class PrivateKey {
 public:
  static PrivateKey generate();  // ECDSA P-256, as cosign generate-key-pair
  // cosign's encrypted key file ("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----", and the older
  // "ENCRYPTED COSIGN PRIVATE KEY"): JSON {kdf: scrypt {N,r,p}, salt}, {cipher: nacl/secretbox,
  // nonce}, ciphertext = secretbox(PKCS#8 DER). Wrong passphrase: an error saying so (kDenied).
  // The key inside may be ECDSA (P-256/384/521), RSA or Ed25519, as cosign's LoadPrivateKey.
  static oci::Result<PrivateKey> from_cosign_pem(std::string_view pem, std::string_view passphrase);
  std::string to_cosign_pem(std::string_view passphrase) const;  // "ENCRYPTED SIGSTORE PRIVATE KEY"
  std::string public_pem() const;  // "-----BEGIN PUBLIC KEY-----" (PKIX)
  PublicKey public_key() const;
  // ECDSA ASN.1 DER over SHA-256(payload), as sigstore's signer (RSA keys: PKCS#1 v1.5
  // SHA-256; Ed25519: over the payload itself).
  std::string sign(std::string_view payload) const;

 private:
  explicit PrivateKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

// Reads KEY's file; the passphrase from `passphrase_file` when given (its first line), else
// REGMIRROR_KEY_PASSPHRASE, else a prompt on the terminal (no echo), else "".
oci::Result<PrivateKey> load_private_key(
    const std::filesystem::path& key_file,
    const std::optional<std::filesystem::path>& passphrase_file);

// The environment variable load_private_key and `regmirror key generate` read.
inline constexpr const char* kPassphraseEnvironment = "REGMIRROR_KEY_PASSPHRASE";

}  // namespace signature
