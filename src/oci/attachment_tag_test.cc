#include "oci/attachment_tag.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace oci {
namespace {

const std::string kHex(64, 'a');

TEST(AttachmentTag, NamesTheManifestItBelongsTo) {
  const auto sig = parse_attachment_tag("sha256-" + kHex + ".sig");
  ASSERT_TRUE(sig);
  EXPECT_EQ(sig->subject, "sha256:" + kHex);
  EXPECT_EQ(sig->kind, "sig");
  EXPECT_EQ(parse_attachment_tag("sha256-" + kHex + ".sbom")->kind, "sbom");
  EXPECT_EQ(parse_attachment_tag("sha256-" + kHex + ".att")->kind, "att");
  EXPECT_EQ(attachment_tag("sha256:" + kHex, "sig"), "sha256-" + kHex + ".sig");
}

TEST(AttachmentTag, OtherTagsAreNone) {
  const std::vector<std::string> tags = {"latest",         "1.0",
                                         "sha256-abc.sig", "sha256-" + kHex + ".txt",
                                         "sha256-" + kHex, "md5-" + kHex + ".sig",
                                         ".sig",           "-.sig"};
  for (const std::string& tag : tags) {
    EXPECT_FALSE(parse_attachment_tag(tag)) << tag;
  }
}

}  // namespace
}  // namespace oci
