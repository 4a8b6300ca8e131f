#include "nodeconf/signed_identity.h"

#include <gtest/gtest.h>

#include <string>

namespace nodeconf {
namespace {

using Json = nlohmann::json;

const std::string kDigest = "sha256:" + std::string(64, 'b');

Json of_type(std::string_view type) { return Json{{"type", type}}; }

TEST(SignedIdentity, DefaultIsMatchRepoDigestOrExact) {
  const Json none;  // null: signedIdentity absent
  EXPECT_TRUE(signed_identity_matches(none, "quay.io/ns/app:1", "quay.io/ns/app:1"));
  EXPECT_FALSE(signed_identity_matches(none, "quay.io/ns/app:1", "quay.io/ns/app:2"));
  EXPECT_FALSE(signed_identity_matches(none, "quay.io/ns/app:1", "quay.io/ns/app"));
  // by digest: any signature of the repository (with a tag or a digest)
  EXPECT_TRUE(signed_identity_matches(none, "quay.io/ns/app@" + kDigest, "quay.io/ns/app:any"));
  EXPECT_TRUE(
      signed_identity_matches(none, "quay.io/ns/app@" + kDigest, "quay.io/ns/app@" + kDigest));
  EXPECT_FALSE(signed_identity_matches(none, "quay.io/ns/app@" + kDigest, "quay.io/ns/app"));
  EXPECT_FALSE(signed_identity_matches(none, "quay.io/ns/app@" + kDigest, "quay.io/ns/other:1"));
  EXPECT_TRUE(signed_identity_matches(of_type("matchRepoDigestOrExact"), "quay.io/ns/app:1",
                                      "quay.io/ns/app:1"));
}

TEST(SignedIdentity, NormalizesAsContainersImage) {
  const Json none;
  EXPECT_TRUE(signed_identity_matches(none, "busybox", "docker.io/library/busybox:latest"));
  EXPECT_TRUE(signed_identity_matches(none, "docker.io/library/busybox:latest", "busybox:latest"));
  EXPECT_FALSE(signed_identity_matches(none, "docker.io/library/busybox:latest", "busybox"));
  EXPECT_TRUE(signed_identity_matches(none, "index.docker.io/library/busybox:1", "busybox:1"));
  EXPECT_FALSE(signed_identity_matches(none, "busybox:1", "quay.io/busybox:1"));
  // unparseable references match nothing
  EXPECT_FALSE(signed_identity_matches(none, "quay.io/ns/app:1", ""));
  EXPECT_FALSE(signed_identity_matches(none, "quay.io/ns/app:1", "Quay.io/NS/app:1"));
  EXPECT_FALSE(signed_identity_matches(none, "", "quay.io/ns/app:1"));
  EXPECT_FALSE(signed_identity_matches(none, "quay.io/ns/app:1", std::string(300, 'a') + ":1"));
}

TEST(SignedIdentity, MatchExact) {
  const Json rule = of_type("matchExact");
  EXPECT_TRUE(signed_identity_matches(rule, "quay.io/ns/app:1", "quay.io/ns/app:1"));
  EXPECT_FALSE(signed_identity_matches(rule, "quay.io/ns/app@" + kDigest, "quay.io/ns/app:1"));
  EXPECT_TRUE(
      signed_identity_matches(rule, "quay.io/ns/app@" + kDigest, "quay.io/ns/app@" + kDigest));
  EXPECT_FALSE(signed_identity_matches(rule, "quay.io/ns/app:1", "quay.io/ns/app"));
}

TEST(SignedIdentity, MatchRepository) {
  const Json rule = of_type("matchRepository");
  EXPECT_TRUE(signed_identity_matches(rule, "quay.io/ns/app:1", "quay.io/ns/app:2"));
  EXPECT_TRUE(signed_identity_matches(rule, "quay.io/ns/app:1", "quay.io/ns/app"));
  EXPECT_FALSE(signed_identity_matches(rule, "quay.io/ns/app:1", "quay.io/ns/app2:1"));
}

TEST(SignedIdentity, ExactReference) {
  const Json rule{{"type", "exactReference"}, {"dockerReference", "quay.io/ns/app:signed"}};
  EXPECT_TRUE(signed_identity_matches(rule, "mirror.local/x:1", "quay.io/ns/app:signed"));
  EXPECT_FALSE(signed_identity_matches(rule, "quay.io/ns/app:signed", "quay.io/ns/app:other"));
  EXPECT_FALSE(signed_identity_matches(rule, "quay.io/ns/app:signed", "quay.io/ns/app"));
  const Json name_only{{"type", "exactReference"}, {"dockerReference", "quay.io/ns/app"}};
  EXPECT_FALSE(signed_identity_matches(name_only, "quay.io/ns/app", "quay.io/ns/app"));
}

TEST(SignedIdentity, ExactRepository) {
  const Json rule{{"type", "exactRepository"}, {"dockerRepository", "quay.io/ns/app"}};
  EXPECT_TRUE(signed_identity_matches(rule, "elsewhere/x:1", "quay.io/ns/app:7"));
  EXPECT_FALSE(signed_identity_matches(rule, "quay.io/ns/app:1", "quay.io/ns/other:1"));
}

TEST(SignedIdentity, RemapIdentity) {
  const Json rule{
      {"type", "remapIdentity"}, {"prefix", "mirror.local/quay"}, {"signedPrefix", "quay.io"}};
  EXPECT_TRUE(signed_identity_matches(rule, "mirror.local/quay/ns/app:1", "quay.io/ns/app:1"));
  EXPECT_FALSE(
      signed_identity_matches(rule, "mirror.local/quay/ns/app:1", "mirror.local/quay/ns/app:1"));
  EXPECT_TRUE(
      signed_identity_matches(rule, "mirror.local/quay/ns/app@" + kDigest, "quay.io/ns/app:x"));
  // prefix must end at a path boundary
  EXPECT_FALSE(signed_identity_matches(rule, "mirror.local/quayx/app:1", "quay.iox/app:1"));
  EXPECT_TRUE(
      signed_identity_matches(rule, "mirror.local/quayx/app:1", "mirror.local/quayx/app:1"));
  // outside the prefix: as matchRepoDigestOrExact
  EXPECT_TRUE(signed_identity_matches(rule, "other.io/a:1", "other.io/a:1"));
  // a rewrite that is not canonical matches nothing
  const Json to_docker{
      {"type", "remapIdentity"}, {"prefix", "mirror.local/lib"}, {"signedPrefix", "docker.io"}};
  EXPECT_FALSE(signed_identity_matches(to_docker, "mirror.local/lib/busybox:1", "busybox:1"));
}

TEST(SignedIdentity, Describe) {
  EXPECT_EQ(describe_signed_identity(Json()), "matchRepoDigestOrExact");
  EXPECT_EQ(describe_signed_identity(Json{{"type", "exactReference"}, {"dockerReference", "a:1"}}),
            "exactReference \"a:1\"");
}

}  // namespace
}  // namespace nodeconf
