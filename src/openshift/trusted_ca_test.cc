#include "openshift/trusted_ca.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace openshift {
namespace {

// The certificate of the image-allowed-insecure-ca golden case.
std::string test_pem() {
  std::ifstream in(std::filesystem::path(REGMIRROR_SOURCE_DIR) / "src/openshift/testdata" /
                   "render" / "image-allowed-insecure-ca" / "expected" / "etc" / "docker" /
                   "certs.d" / "harbor.dc1.ocp.poc:8443" / "ca.crt");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  out.resize(static_cast<std::size_t>(EVP_EncodeBlock(
      reinterpret_cast<unsigned char*>(out.data()),
      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()))));
  return out;
}

TEST(TrustedCa, KeysNameHostsWithDotDotForColon) {
  ConfigMap map;
  map.name = "ca";
  map.data = {{"harbor.dc1.ocp.poc..8443", test_pem()}, {"plain.example.com", test_pem()}};
  auto cas = registry_cas(map);
  ASSERT_TRUE(cas) << cas.error().message;
  ASSERT_EQ(cas->size(), 2u);
  EXPECT_EQ((*cas)[0].host, "harbor.dc1.ocp.poc:8443");
  EXPECT_EQ((*cas)[1].host, "plain.example.com");
}

TEST(TrustedCa, AcceptsBase64OfPemInDataAndBinaryData) {
  ConfigMap map;
  map.name = "ca";
  map.data = {{"a.example.com", base64(test_pem())}};
  map.binary_data = {{"b.example.com..5000", base64(test_pem())}};
  auto cas = registry_cas(map);
  ASSERT_TRUE(cas) << cas.error().message;
  ASSERT_EQ(cas->size(), 2u);
  EXPECT_EQ((*cas)[0].pem, test_pem());
  EXPECT_EQ((*cas)[1].pem, test_pem());
}

TEST(TrustedCa, RejectsATruncatedCertificate) {
  ConfigMap map;
  map.name = "ca";
  const std::string pem = test_pem();
  map.data = {{"a.example.com", pem.substr(0, pem.size() / 2) + "-----END CERTIFICATE-----\n"}};
  EXPECT_FALSE(registry_cas(map));
}

}  // namespace
}  // namespace openshift
