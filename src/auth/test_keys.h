// Keys for the tests of keys.cc and jwt.cc, made with OpenSSL directly so that the code under
// test is not its own witness.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>
#include <string_view>

namespace auth::testing {

// An unencrypted PKCS#8 PEM of a new key: "RSA" with `bits`, or "EC" on `curve`.
inline std::string new_private_key_pem(const char* type, const char* curve_or_empty,
                                       std::size_t bits = 0) {
  EVP_PKEY* pkey = std::string_view(type) == "RSA"
                       ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits)
                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve_or_empty);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr);
  EVP_PKEY_free(pkey);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(size)};
}

// The PUBLIC KEY PEM of a private key PEM.
inline std::string public_pem_of(const std::string& private_pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> in(
      BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size())), BIO_free);
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr);
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(out.get(), pkey);
  EVP_PKEY_free(pkey);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  return {data, static_cast<std::size_t>(size)};
}

// The RS256 (PKCS#1 v1.5, SHA-256) signature of `input` by the key of `private_pem`.
inline std::string rs256_signature(std::string_view input, const std::string& private_pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> in(
      BIO_new_mem_buf(private_pem.data(), static_cast<int>(private_pem.size())), BIO_free);
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr);
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  std::string signature(1024, '\0');
  std::size_t length = signature.size();
  EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, pkey);
  EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &length,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(context);
  EVP_PKEY_free(pkey);
  signature.resize(length);
  return signature;
}

}  // namespace auth::testing
