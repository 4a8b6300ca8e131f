#include "signature/public_key.h"

#include <openssl/err.h>
#include <openssl/x509.h>

#include "signature/openssl_handles.h"

namespace signature {

using internal::PkeyPtr;

namespace {

oci::Result<PkeyPtr> parse_der(const internal::PemBlock& block) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(block.der.data());
  const auto* cursor = bytes;
  PkeyPtr key;
  if (block.type == "PUBLIC KEY") {
    key.reset(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(block.der.size())));
  } else if (block.type == "RSA PUBLIC KEY") {
    key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &cursor, static_cast<long>(block.der.size())));
  } else {
    return oci::fail(oci::ErrorCode::kUnsupported,
                     "PEM block \"" + block.type + "\" is not a public key (want PUBLIC KEY)");
  }
  // Trailing bytes after the key are refused, as Go's x509.ParsePKIXPublicKey does.
  if (!key || cursor != bytes + block.der.size()) {
    ERR_clear_error();
    return oci::fail(oci::ErrorCode::kUnsupported, "malformed " + block.type + " PEM block");
  }
  return key;
}

}  // namespace

oci::Result<PublicKey> PublicKey::from_pem(std::string_view pem) {
  const auto block = internal::first_pem_block(pem);
  if (!block)
    return oci::fail(oci::ErrorCode::kUnsupported,
                     "no PEM block found (or its base64 is malformed)");
  auto key = parse_der(*block);
  if (!key) return std::unexpected(std::move(key.error()));
  if (auto kind = internal::unsupported_key_kind(key->get())) {
    return oci::fail(oci::ErrorCode::kUnsupported,
                     "unsupported public key: " + *kind +
                         " (sigstore verifies ECDSA P-256/P-384/P-521, RSA and Ed25519)");
  }
  return PublicKey(std::shared_ptr<EVP_PKEY>(key->release(), internal::PkeyFree{}));
}

bool PublicKey::verifies(std::string_view payload, std::string_view raw_signature) const {
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  // RSA keys verify PKCS#1 v1.5 (OpenSSL's default padding); ECDSA wants strict DER.
  const bool valid =
      ctx &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, internal::signing_digest(key_.get()), nullptr,
                           key_.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(raw_signature.data()),
                       raw_signature.size(), reinterpret_cast<const unsigned char*>(payload.data()),
                       payload.size()) == 1;
  ERR_clear_error();  // a refused signature leaves reasons nobody reads on the thread's queue
  return valid;
}

std::string PublicKey::pem() const {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key_.get(), &der);
  if (length <= 0) return {};
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return internal::pem_encode("PUBLIC KEY", bytes);
}

}  // namespace signature
