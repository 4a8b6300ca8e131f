#include "server/peer_certificate.h"

#include <openssl/x509.h>

#include <algorithm>
#include <memory>

namespace server {

std::string common_name(X509* certificate) {
  X509_NAME* subject = X509_get_subject_name(certificate);
  if (subject == nullptr) return {};
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0 || X509_NAME_get_index_by_NID(subject, NID_commonName, index) >= 0) return {};
  unsigned char* utf8 = nullptr;
  const int length =
      ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)));
  if (length <= 0) return {};
  const std::unique_ptr<unsigned char, decltype([](unsigned char* p) { OPENSSL_free(p); })> owned(
      utf8);
  std::string name(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
  const bool plain = std::none_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  return plain ? name : std::string();
}

std::string verified_common_name(SSL* ssl) {
  X509* certificate = SSL_get0_peer_certificate(ssl);
  if (certificate == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return {};
  return common_name(certificate);
}

}  // namespace server
