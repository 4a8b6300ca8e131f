#include "openshift/trusted_ca.h"

#include <fmt/format.h>
#include <memory>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "oci/reference.h"

namespace openshift {
namespace {

constexpr std::string_view kPemBegin = "-----BEGIN CERTIFICATE-----";

// The ConfigMap key spelling of a host: ".." stands for ':' before a port.
std::string host_of_key(std::string_view key) {
  std::string host;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (key.substr(i, 2) == "..") {
      host += ':';
      ++i;
    } else {
      host += key[i];
    }
  }
  return host;
}

std::string decode_base64(std::string_view text) {
  std::string compact;
  for (char c : text) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact += c;
  }
  std::string out(compact.size() / 4 * 3 + 3, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(compact.data()),
                                      static_cast<int>(compact.size()));
  if (written < 0) return "";
  // EVP_DecodeBlock counts the bytes that '=' padding stands for; they are not data.
  std::size_t padding = 0;
  for (auto it = compact.rbegin(); it != compact.rend() && *it == '=' && padding < 2; ++it) {
    ++padding;
  }
  out.resize(static_cast<std::size_t>(written) - padding);
  return out;
}

// The number of certificates in `pem` when every one of them parses, else 0.
std::size_t parsed_certificates(const std::string& pem) {
  std::size_t begins = 0;
  for (std::size_t at = pem.find(kPemBegin); at != std::string::npos;
       at = pem.find(kPemBegin, at + 1)) {
    ++begins;
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::size_t parsed = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_free(cert);
    ++parsed;
  }
  return parsed == begins ? parsed : 0;
}

oci::Result<RegistryCa> registry_ca(const ConfigMap& config_map, const std::string& key,
                                    const std::string& value, bool is_base64) {
  const std::string where = fmt::format("ConfigMap \"{}\": key \"{}\"", config_map.name, key);
  RegistryCa ca{host_of_key(key), value};
  if (!oci::is_valid_reference_domain(ca.host)) {
    return oci::fail(oci::ErrorCode::kManifestInvalid,
                     fmt::format("{}: \"{}\" is not a valid registry host[:port]", where, ca.host));
  }
  if (is_base64 || ca.pem.find(kPemBegin) == std::string::npos) ca.pem = decode_base64(value);
  if (parsed_certificates(ca.pem) == 0) {
    return oci::fail(oci::ErrorCode::kManifestInvalid,
                     fmt::format("{}: not a PEM certificate that OpenSSL can parse", where));
  }
  return ca;
}

}  // namespace

oci::Result<std::vector<RegistryCa>> registry_cas(const ConfigMap& config_map) {
  std::vector<RegistryCa> out;
  for (const auto* data : {&config_map.data, &config_map.binary_data}) {
    const bool is_base64 = data == &config_map.binary_data;
    for (const auto& [key, value] : *data) {
      auto ca = registry_ca(config_map, key, value, is_base64);
      if (!ca) return std::unexpected(ca.error());
      out.push_back(std::move(*ca));
    }
  }
  return out;
}

}  // namespace openshift
