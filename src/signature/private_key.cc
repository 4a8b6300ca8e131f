#include "signature/private_key.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <stdexcept>

#include "signature/cosign_envelope.h"
#include "signature/openssl_handles.h"

namespace signature {

namespace {

constexpr std::string_view kSigstorePemType = "ENCRYPTED SIGSTORE PRIVATE KEY";
constexpr std::string_view kCosignPemType = "ENCRYPTED COSIGN PRIVATE KEY";  // cosign 1.x

std::shared_ptr<EVP_PKEY> shared(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, internal::PkeyFree{});
}

struct Pkcs8Free {
  void operator()(PKCS8_PRIV_KEY_INFO* info) const { PKCS8_PRIV_KEY_INFO_free(info); }
};

// A PKCS#8 PrivateKeyInfo, exactly (no trailing bytes), as Go's x509.ParsePKCS8PrivateKey.
oci::Result<std::shared_ptr<EVP_PKEY>> parse_pkcs8(std::string_view der) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  const auto* cursor = bytes;
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, Pkcs8Free> info(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &cursor, static_cast<long>(der.size())));
  internal::PkeyPtr key(info && cursor == bytes + der.size() ? EVP_PKCS82PKEY(info.get())
                                                             : nullptr);
  if (!key) {
    ERR_clear_error();
    return oci::fail(oci::ErrorCode::kUnsupported,
                     "encrypted private key: the decrypted key is not PKCS#8");
  }
  if (auto kind = internal::unsupported_key_kind(key.get())) {
    return oci::fail(oci::ErrorCode::kUnsupported, "unsupported private key: " + *kind);
  }
  return shared(key.release());
}

std::string pkcs8_der(EVP_PKEY* key) {
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, Pkcs8Free> info(EVP_PKEY2PKCS8(key));
  unsigned char* der = nullptr;
  const int length = info ? i2d_PKCS8_PRIV_KEY_INFO(info.get(), &der) : -1;
  if (length <= 0) throw std::runtime_error("OpenSSL: encoding a private key as PKCS#8 failed");
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_clear_free(der, static_cast<std::size_t>(length));
  return bytes;
}

}  // namespace

PrivateKey PrivateKey::generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) throw std::runtime_error("OpenSSL: generating a P-256 key failed");
  return PrivateKey(shared(key));
}

oci::Result<PrivateKey> PrivateKey::from_cosign_pem(std::string_view pem,
                                                    std::string_view passphrase) {
  auto block = internal::first_pem_block(pem);
  if (!block) {
    return oci::fail(
        oci::ErrorCode::kUnsupported,
        "not a cosign private key: no PEM block (want \"" + std::string(kSigstorePemType) + "\")");
  }
  if (block->type != kSigstorePemType && block->type != kCosignPemType) {
    return oci::fail(oci::ErrorCode::kUnsupported, "not a cosign private key: PEM type \"" +
                                                       block->type + "\" (want \"" +
                                                       std::string(kSigstorePemType) + "\")");
  }
  auto der = internal::open_envelope(block->der, passphrase);
  if (!der) return std::unexpected(std::move(der.error()));
  auto key = parse_pkcs8(*der);
  OPENSSL_cleanse(der->data(), der->size());
  if (!key) return std::unexpected(std::move(key.error()));
  return PrivateKey(std::move(*key));
}

std::string PrivateKey::to_cosign_pem(std::string_view passphrase) const {
  std::string der = pkcs8_der(key_.get());
  const std::string envelope = internal::seal_envelope(der, passphrase);
  OPENSSL_cleanse(der.data(), der.size());
  return internal::pem_encode(kSigstorePemType, envelope);
}

std::string PrivateKey::public_pem() const { return public_key().pem(); }

PublicKey PrivateKey::public_key() const {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key_.get(), &der);
  const unsigned char* cursor = der;
  EVP_PKEY* key = length > 0 ? d2i_PUBKEY(nullptr, &cursor, length) : nullptr;
  OPENSSL_free(der);
  if (key == nullptr) throw std::runtime_error("OpenSSL: extracting a public key failed");
  return PublicKey(shared(key));
}

std::string PrivateKey::sign(std::string_view payload) const {
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  const auto* message = reinterpret_cast<const unsigned char*>(payload.data());
  std::size_t size = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, internal::signing_digest(key_.get()), nullptr,
                         key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, message, payload.size()) != 1) {
    throw std::runtime_error("OpenSSL: signing failed");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size, message,
                     payload.size()) != 1) {
    throw std::runtime_error("OpenSSL: signing failed");
  }
  signature.resize(size);  // DER ECDSA signatures are shorter than the maximum
  return signature;
}

}  // namespace signature
