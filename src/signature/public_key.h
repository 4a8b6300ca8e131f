// The public keys of sigstoreSigned policy requirements, and verifying a signature with one as
// containers/image does (sigstore's LoadVerifier(key, crypto.SHA256)).
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/error.h"

namespace signature {

// A public key a sigstoreSigned requirement names (PEM "PUBLIC KEY": ECDSA P-256/384/521,
// RSA, Ed25519; also "RSA PUBLIC KEY", as sigstore's cryptoutils reads), verifying as sigstore's
// LoadVerifier(key, SHA-256) does: ECDSA ASN.1 over SHA-256(payload), RSA PKCS#1 v1.5 SHA-256,
// Ed25519 over the payload itself.
class PublicKey {
 public:
  // The first PEM block of `pem` (text before it is ignored, as Go's pem.Decode does).
  static oci::Result<PublicKey> from_pem(std::string_view pem);
  bool verifies(std::string_view payload, std::string_view raw_signature) const;
  std::string pem() const;  // "-----BEGIN PUBLIC KEY-----" (PKIX)

  // Takes ownership of an OpenSSL key already checked to be one of the supported kinds.
  explicit PublicKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

// keyPath / keyPaths / keyData / keyDatas of a sigstoreSigned requirement (`raw` as
// nodeconf::PolicyRequirement::raw holds it), read and parsed. An unreadable file or a PEM that
// is not a public key is an error naming it. fulcio/rekor/pki fields: an error saying regmirror
// verifies only public keys ("fulcio"/"rekorPublicKeyPath" not supported).
oci::Result<std::vector<PublicKey>> requirement_public_keys(const nlohmann::json& raw);

}  // namespace signature
