#include "signature/gpg_keys.h"

#include <gtest/gtest.h>

#include <fstream>

#include "oci/base64.h"
#include "testsupport/temp_dir.h"

namespace signature {
namespace {

using nlohmann::json;

json requirement(const json& fields) {
  json raw = {{"type", "signedBy"}, {"keyType", "GPGKeys"}};
  raw.update(fields);
  return raw;
}

TEST(SignedByKeyBlobs, ReadsEachSource) {
  testsupport::TempDir dir;
  std::ofstream(dir / "a.gpg") << "key a";
  std::ofstream(dir / "b.gpg") << "key b";

  auto one = signed_by_key_blobs(requirement({{"keyPath", (dir / "a.gpg").string()}}));
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(*one, std::vector<std::string>{"key a"});

  auto both = signed_by_key_blobs(
      requirement({{"keyPaths", {(dir / "a.gpg").string(), (dir / "b.gpg").string()}}}));
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(*both, (std::vector<std::string>{"key a", "key b"}));

  auto data = signed_by_key_blobs(requirement({{"keyData", oci::base64_encode("key c")}}));
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(*data, std::vector<std::string>{"key c"});
}

// Go's encoding/json decodes keyData with StdEncoding: line breaks skipped, trailing bits not
// checked; nodeconf's policy check accepts such a policy, so the check itself must too.
TEST(SignedByKeyBlobs, DecodesKeyDataAsGoDoes) {
  auto wrapped = signed_by_key_blobs(requirement({{"keyData", "a2V5\r\nIGM=\n"}}));
  ASSERT_TRUE(wrapped) << wrapped.error().message;
  EXPECT_EQ(*wrapped, std::vector<std::string>{"key c"});
  auto loose_bits = signed_by_key_blobs(requirement({{"keyData", "YR=="}}));
  ASSERT_TRUE(loose_bits) << loose_bits.error().message;
  EXPECT_EQ(*loose_bits, std::vector<std::string>{"a"});
}

TEST(SignedByKeyBlobs, RefusesMalformedRequirements) {
  for (const json& raw : {
           json::array(),
           json{{"type", "signedBy"}},
           requirement(json::object()),
           requirement({{"keyPath", "/a"}, {"keyData", "YQ=="}}),
           requirement({{"keyPath", 3}}),
           requirement({{"keyPath", ""}}),
           requirement({{"keyPaths", json::array()}}),
           requirement({{"keyPaths", "/a"}}),
           requirement({{"keyPaths", {1, 2}}}),
           requirement({{"keyData", "not base64!"}}),
           requirement({{"keyData", json::object()}}),
       }) {
    EXPECT_FALSE(signed_by_key_blobs(raw)) << raw.dump();
  }
}

TEST(SignedByKeyBlobs, NamesAMissingFile) {
  auto missing = signed_by_key_blobs(requirement({{"keyPaths", {"/nonexistent/key.gpg"}}}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, oci::ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().message, "reading keyPaths \"/nonexistent/key.gpg\": no such key file");
}

TEST(SignedByKeyBlobs, RefusesOversizedKeys) {
  testsupport::TempDir dir;
  std::ofstream(dir / "huge.gpg") << std::string(kMaxGpgKeyBytes + 1, 'k');
  auto file = signed_by_key_blobs(requirement({{"keyPath", (dir / "huge.gpg").string()}}));
  ASSERT_FALSE(file);
  EXPECT_NE(file.error().message.find("larger than"), std::string::npos);

  auto data = signed_by_key_blobs(
      requirement({{"keyData", oci::base64_encode(std::string(kMaxGpgKeyBytes + 3, 'k'))}}));
  ASSERT_FALSE(data);
  EXPECT_NE(data.error().message.find("larger than"), std::string::npos);
}

TEST(SignedByKeyBlobs, RefusesOtherKeyTypesAsUnimplemented) {
  json raw = requirement({{"keyPath", "/a"}});
  raw["keyType"] = "signedByGPGKeys";
  auto refused = signed_by_key_blobs(raw);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, oci::ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace signature
