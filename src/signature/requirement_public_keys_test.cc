#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "oci/base64.h"
#include "signature/public_key.h"
#include "signature/test_data.h"
#include "testsupport/temp_dir.h"

namespace signature {
namespace {

using Json = nlohmann::json;
using testing::openssl_key;
using testing::openssl_sign;

class RequirementPublicKeys : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::string error_of(const Json& raw) {
    auto keys = requirement_public_keys(raw);
    return keys ? std::string("(accepted)") : keys.error().message;
  }
  testsupport::TempDir dir_;
  testing::OpenSslKey first_ = openssl_key("EC", "P-256");
  testing::OpenSslKey second_ = openssl_key("ED25519", "");
};

TEST_F(RequirementPublicKeys, ReadsEveryWayOfNamingKeys) {
  const std::string first_path = write("first.pub", first_.public_pem);
  const std::string second_path = write("second.pub", second_.public_pem);
  const Json requirements[] = {
      {{"type", "sigstoreSigned"}, {"keyPath", first_path}},
      {{"type", "sigstoreSigned"}, {"keyPaths", {first_path, second_path}}},
      {{"type", "sigstoreSigned"}, {"keyData", oci::base64_encode(first_.public_pem)}},
      {{"type", "sigstoreSigned"},
       {"keyDatas",
        {oci::base64_encode(first_.public_pem), oci::base64_encode(second_.public_pem)}}},
  };
  const std::size_t counts[] = {1, 2, 1, 2};
  for (std::size_t i = 0; i < std::size(requirements); ++i) {
    auto keys = requirement_public_keys(requirements[i]);
    ASSERT_TRUE(keys) << keys.error().message;
    ASSERT_EQ(keys->size(), counts[i]);
    EXPECT_TRUE(keys->front().verifies("x", openssl_sign(first_, "x")));
    if (counts[i] == 2) {
      EXPECT_TRUE(keys->back().verifies("x", openssl_sign(second_, "x")));
    }
  }
}

TEST_F(RequirementPublicKeys, KeyDataMayBeWrappedAsGoDecodesIt) {
  std::string base64 = oci::base64_encode(first_.public_pem);
  base64.insert(40, "\r\n");
  auto keys = requirement_public_keys({{"type", "sigstoreSigned"}, {"keyData", base64}});
  ASSERT_TRUE(keys) << keys.error().message;
}

TEST_F(RequirementPublicKeys, RefusesCertificatesAndTransparencyLogs) {
  const std::string path = write("first.pub", first_.public_pem);
  for (const char* field : {"fulcio", "rekorPublicKeyPath", "rekorPublicKeyPaths",
                            "rekorPublicKeyData", "rekorPublicKeyDatas", "pki"}) {
    Json raw = {{"type", "sigstoreSigned"}, {"keyPath", path}, {field, "x"}};
    EXPECT_EQ(error_of(raw), "regmirror verifies sigstoreSigned with public keys only: \"" +
                                 std::string(field) + "\" is not supported");
  }
}

TEST_F(RequirementPublicKeys, NamesWhatCannotBeRead) {
  const std::string missing = (dir_ / "missing.pub").string();
  const std::string not_a_key = write("text.pub", "hello\n");
  const std::string good = write("good.pub", first_.public_pem);
  EXPECT_NE(error_of({{"keyPath", missing}}).find("keyPath " + missing), std::string::npos);
  EXPECT_NE(error_of({{"keyPaths", {good, not_a_key}}}).find("keyPath " + not_a_key + ": no PEM"),
            std::string::npos);
  EXPECT_NE(error_of({{"keyData", "not base64!"}}).find("keyData: malformed base64"),
            std::string::npos);
  EXPECT_NE(error_of({{"keyDatas", {oci::base64_encode(first_.public_pem), 3}}})
                .find("keyDatas[1]: not a string"),
            std::string::npos);
  EXPECT_NE(
      error_of({{"keyDatas", {oci::base64_encode("-----BEGIN X-----\nAAAA\n-----END X-----\n")}}})
          .find("keyDatas[0]: PEM block \"X\" is not a public key"),
      std::string::npos);
  EXPECT_NE(error_of({{"keyPaths", "one"}}).find("keyPaths: not a list"), std::string::npos);
  EXPECT_NE(error_of({{"keyPaths", {1}}}).find("keyPaths[0]: not a file name"), std::string::npos);
  EXPECT_NE(error_of({{"type", "sigstoreSigned"}}).find("names no public key"), std::string::npos);
  EXPECT_NE(error_of({{"keyPath", ""}}).find("names no public key"), std::string::npos);
  EXPECT_NE(error_of(Json::array()).find("not an object"), std::string::npos);
  // A directory, a device: not a key file, and never read whole.
  EXPECT_NE(error_of({{"keyPath", dir_.path().string()}}).find("keyPath"), std::string::npos);
  EXPECT_NE(error_of({{"keyPath", "/dev/zero"}}).find("keyPath /dev/zero"), std::string::npos);
}

}  // namespace
}  // namespace signature
