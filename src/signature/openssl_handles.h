// Owning handles for the OpenSSL objects this module uses, and the PEM block reader both key
// kinds share. Internal to signature/.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace signature::internal {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// The first PEM block of `text` (text before it is skipped, as Go's pem.Decode does): its type
// ("PUBLIC KEY") and its decoded bytes. nullopt when there is none or its base64 is malformed.
struct PemBlock {
  std::string type;
  std::string der;
};
std::optional<PemBlock> first_pem_block(std::string_view text);

// `der` as a PEM block of `type`, 64 columns as Go's pem.Encode writes it.
std::string pem_encode(std::string_view type, std::string_view der);

// How sigstore's LoadVerifier / LoadSignerVerifier(key, SHA-256) hash for this key: SHA-256 for
// ECDSA and RSA, none (the message itself) for Ed25519.
const EVP_MD* signing_digest(const EVP_PKEY* key);

// Is this one of the key kinds sigstore verifies: ECDSA on P-256/P-384/P-521, RSA, Ed25519?
// nullopt when it is; else what the key is.
std::optional<std::string> unsupported_key_kind(const EVP_PKEY* key);

}  // namespace signature::internal
