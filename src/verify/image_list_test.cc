#include "verify/image_list.h"

#include <gtest/gtest.h>

#include <string>

namespace verify {
namespace {

TEST(ImageList, ReadsReferencesSkippingCommentsAndBlankLines) {
  const auto images = parse_image_list(
      "# the release set\n"
      "quay.io/ns/app:v1\n"
      "\n"
      "  registry.example.com:5000/a/b@sha256:"
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  # pinned\r\n"
      "quay.io/ns/other",
      "images.txt");
  ASSERT_TRUE(images) << images.error().message;
  ASSERT_EQ(images->size(), 3u);
  EXPECT_EQ((*images)[0], "quay.io/ns/app:v1");
  EXPECT_EQ((*images)[1],
            "registry.example.com:5000/a/b@sha256:"
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  EXPECT_EQ((*images)[2], "quay.io/ns/other:latest");  // a name alone is pulled as :latest
}

TEST(ImageList, ErrorsNameTheLine) {
  const auto bad = parse_image_list("quay.io/ns/app:v1\n\nQuay.io/UPPER/case\n", "list");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("list:3:"), std::string::npos) << bad.error().message;
}

TEST(ImageList, RefusesShortNames) {
  const auto bad = parse_image_list("busybox:latest\n", "list");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("no registry host"), std::string::npos);
}

TEST(ImageList, RefusesTwoReferencesOnALine) {
  EXPECT_FALSE(parse_image_list("quay.io/a/b:1 quay.io/a/c:2\n", "list"));
}

TEST(ImageList, RefusesTagAndDigestTogether) {
  EXPECT_FALSE(parse_image_list(
      "quay.io/a/b:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
      "list"));
}

TEST(ImageList, EmptyAndCommentOnlyListsAreErrors) {
  EXPECT_FALSE(parse_image_list("", "list"));
  EXPECT_FALSE(parse_image_list("# nothing\n   \n", "list"));
}

TEST(ImageList, OversizedListIsRefusedBeforeParsing) {
  const std::string huge(kMaxImageListBytes + 1, '#');
  const auto bad = parse_image_list(huge, "list");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, oci::ErrorCode::kSizeInvalid);
}

TEST(ImageList, HostileBytesAreRefused) {
  EXPECT_FALSE(parse_image_list(std::string("quay.io/a/b:\0x\n", 15), "list"));
  EXPECT_FALSE(parse_image_list("quay.io/a/b:" + std::string(300, 'x') + "\n", "list"));
  EXPECT_FALSE(parse_image_list("quay.io/../etc/passwd\n", "list"));
  EXPECT_FALSE(parse_image_list("\xff\xfe\n", "list"));
}

TEST(ImageList, TruncatedLastLineIsRead) {
  const auto images = parse_image_list("quay.io/a/b:1\nquay.io/a/c:", "list");
  EXPECT_FALSE(images);  // "quay.io/a/c:" is an invalid reference, not silently dropped
}

}  // namespace
}  // namespace verify
