#include "transfer/transport_reference.h"

#include <gtest/gtest.h>

namespace transfer {
namespace {

const std::string kDigest =
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(TransportReferenceTest, DockerReferencesAreNormalized) {
  struct Case {
    std::string text, name, reference;
  };
  for (const Case& c : std::vector<Case>{
           {"docker://busybox", "docker.io/library/busybox", ""},
           {"docker://busybox:1.36", "docker.io/library/busybox", "1.36"},
           {"docker://quay.io/ns/app:v1", "quay.io/ns/app", "v1"},
           {"docker://127.0.0.1:5000/a/b/c", "127.0.0.1:5000/a/b/c", ""},
           {"docker://localhost:5000/app@" + kDigest, "localhost:5000/app", kDigest},
           {"docker://index.docker.io/x/y:z", "docker.io/x/y", "z"},
       }) {
    SCOPED_TRACE(c.text);
    oci::Result<TransportReference> parsed = parse_transport_reference(c.text);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->transport, Transport::kDocker);
    ASSERT_TRUE(parsed->repository);
    EXPECT_EQ(parsed->repository->str(), c.name);
    EXPECT_TRUE(parsed->repository->is_name_only());
    EXPECT_EQ(parsed->reference, c.reference);
  }
}

TEST(TransportReferenceTest, DockerErrors) {
  struct Case {
    std::string text, message;
  };
  for (const Case& c : std::vector<Case>{
           {"docker:busybox", "docker: image reference busybox does not start with //"},
           {"docker://Upper/app", "Invalid image name \"docker://Upper/app\""},
           {"docker://quay.io/app:1@" + kDigest, "both a tag and digest"},
           {"docker://", "Invalid image name"},
       }) {
    SCOPED_TRACE(c.text);
    oci::Result<TransportReference> parsed = parse_transport_reference(c.text);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, oci::ErrorCode::kNameInvalid);
    EXPECT_NE(parsed.error().message.find(c.message), std::string::npos) << parsed.error().message;
  }
}

TEST(TransportReferenceTest, LayoutsSplitAtTheFirstColon) {
  struct Case {
    std::string text;
    Transport transport;
    std::string path, reference;
  };
  for (const Case& c : std::vector<Case>{
           {"oci:/srv/layout", Transport::kOciLayout, "/srv/layout", ""},
           {"oci:rel/dir:app-1.0", Transport::kOciLayout, "rel/dir", "app-1.0"},
           {"oci:/l:quay.io/ns/app:v1", Transport::kOciLayout, "/l", "quay.io/ns/app:v1"},
           {"oci:/l:" + kDigest, Transport::kOciLayout, "/l", kDigest},
           {"oci:/l:a--b", Transport::kOciLayout, "/l", "a--b"},
           {"oci-archive:/tmp/app.tar", Transport::kOciArchive, "/tmp/app.tar", ""},
           {"oci-archive:app.tar:latest", Transport::kOciArchive, "app.tar", "latest"},
       }) {
    SCOPED_TRACE(c.text);
    oci::Result<TransportReference> parsed = parse_transport_reference(c.text);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->transport, c.transport);
    EXPECT_EQ(parsed->path, c.path);
    EXPECT_EQ(parsed->reference, c.reference);
    EXPECT_FALSE(parsed->repository);
  }
}

TEST(TransportReferenceTest, LayoutErrors) {
  for (const std::string text : {"oci:", "oci::tag", "oci:/l:-bad", "oci:/l:a b", "oci:/l:a/",
                                 "oci:/l:a..", "oci:/l:a---b", "oci-archive:/x:/abs"}) {
    SCOPED_TRACE(text);
    oci::Result<TransportReference> parsed = parse_transport_reference(text);
    ASSERT_FALSE(parsed);
    EXPECT_EQ(parsed.error().code, oci::ErrorCode::kNameInvalid);
  }
}

TEST(TransportReferenceTest, TransportIsRequiredAndKnown) {
  oci::Result<TransportReference> bare = parse_transport_reference("quay.io/app");
  ASSERT_FALSE(bare);
  EXPECT_EQ(bare.error().message,
            "Invalid image name \"quay.io/app\", expected colon-separated transport:reference");
  oci::Result<TransportReference> unknown = parse_transport_reference("dir:/tmp/x");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("unknown transport \"dir\""), std::string::npos);
}

}  // namespace
}  // namespace transfer
