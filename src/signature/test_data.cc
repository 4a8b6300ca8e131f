#include "signature/test_data.h"

#include <openssl/pem.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace signature::testing {

std::string read_testdata(std::string_view name) {
  const std::string path =
      std::string(REGMIRROR_SOURCE_DIR) + "/src/signature/testdata/" + std::string(name);
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

OpenSslKey openssl_key(const char* type, const char* parameter) {
  EVP_PKEY* made = nullptr;
  if (std::string_view(type) == "RSA") {
    made = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(std::stoul(parameter)));
  } else if (std::string_view(type) == "EC") {
    made = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", parameter);
  } else {
    made = EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  }
  if (made == nullptr) throw std::runtime_error("keygen failed");
  OpenSslKey key{std::shared_ptr<EVP_PKEY>(made, EVP_PKEY_free), {}};
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, made);
  char* bytes = nullptr;
  const long size = BIO_get_mem_data(bio, &bytes);
  key.public_pem.assign(bytes, static_cast<std::size_t>(size));
  BIO_free(bio);
  return key;
}

std::string openssl_sign(const OpenSslKey& key, std::string_view payload) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const EVP_MD* md = EVP_PKEY_is_a(key.key.get(), "ED25519") ? nullptr : EVP_sha256();
  std::size_t size = 0;
  const auto* message = reinterpret_cast<const unsigned char*>(payload.data());
  EVP_DigestSignInit(ctx, nullptr, md, nullptr, key.key.get());
  EVP_DigestSign(ctx, nullptr, &size, message, payload.size());
  std::string signature(size, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size, message,
                 payload.size());
  EVP_MD_CTX_free(ctx);
  signature.resize(size);
  return signature;
}

}  // namespace signature::testing
