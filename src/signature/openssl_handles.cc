#include "signature/openssl_handles.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <array>
#include <climits>

namespace signature::internal {

std::optional<PemBlock> first_pem_block(std::string_view text) {
  if (text.size() > INT_MAX) return std::nullopt;
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) return std::nullopt;
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long length = 0;
  if (PEM_read_bio(bio.get(), &name, &header, &data, &length) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  PemBlock block{
      name, std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(length))};
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  return block;
}

std::string pem_encode(std::string_view type, std::string_view der) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  const std::string name(type);
  if (!bio ||
      PEM_write_bio(bio.get(), name.c_str(), "", reinterpret_cast<const unsigned char*>(der.data()),
                    static_cast<long>(der.size())) <= 0) {
    return {};
  }
  char* bytes = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &bytes);
  return std::string(bytes, static_cast<std::size_t>(size));
}

const EVP_MD* signing_digest(const EVP_PKEY* key) {
  return EVP_PKEY_is_a(key, "ED25519") ? nullptr : EVP_sha256();
}

std::optional<std::string> unsupported_key_kind(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "ED25519")) return std::nullopt;
  if (EVP_PKEY_is_a(key, "EC")) {
    std::array<char, 64> group{};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                       &length) != 1) {
      return "an ECDSA key on an unnamed curve";
    }
    const std::string_view curve(group.data(), length);
    if (curve == "prime256v1" || curve == "secp384r1" || curve == "secp521r1") return std::nullopt;
    return "an ECDSA key on curve " + std::string(curve);
  }
  const char* type = EVP_PKEY_get0_type_name(key);
  return std::string("a key of type ") + (type != nullptr ? type : "unknown");
}

}  // namespace signature::internal
