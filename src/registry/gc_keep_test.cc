#include "registry/gc_keep.h"

#include <gtest/gtest.h>

namespace registry {
namespace {

using Names = std::vector<std::string>;

constexpr std::int64_t kCutoff = 1000;  // pushed before: old enough to collect

metadata::GcManifest old(std::string digest) {
  return {.digest = std::move(digest),
          .subject = {},
          .children = {},
          .tagged = false,
          .pushed_at = kCutoff - 1};
}

metadata::GcManifest tagged(std::string digest) {
  auto manifest = old(std::move(digest));
  manifest.tagged = true;
  return manifest;
}

metadata::GcManifest index_of(metadata::GcManifest manifest, Names children) {
  manifest.children = std::move(children);
  return manifest;
}

metadata::GcManifest referrer_of(metadata::GcManifest manifest, std::string subject) {
  manifest.subject = std::move(subject);
  return manifest;
}

Names removable(const std::vector<metadata::GcManifest>& manifests, bool untagged = true) {
  return removable_manifests(manifests,
                             {.untagged_are_garbage = untagged, .pushed_cutoff = kCutoff});
}

TEST(GcKeep, UntaggedOldManifestsGoTaggedOnesStay) {
  EXPECT_EQ(removable({tagged("a"), old("b"), old("c")}), (Names{"b", "c"}));
}

TEST(GcKeep, ManifestsWithinTheGraceStay) {
  auto young = old("young");
  young.pushed_at = kCutoff;
  EXPECT_EQ(removable({young, old("b")}), Names{"b"});
}

TEST(GcKeep, ChildrenOfAKeptIndexStayEvenUntagged) {
  EXPECT_EQ(removable({index_of(tagged("index"), {"amd64", "arm64"}), old("amd64"), old("arm64"),
                       old("other")}),
            Names{"other"});
}

TEST(GcKeep, ChildrenOfARemovedIndexGoWithIt) {
  EXPECT_EQ(removable({index_of(old("index"), {"amd64"}), old("amd64")}),
            (Names{"amd64", "index"}));
}

TEST(GcKeep, GrandchildrenOfAKeptIndexStay) {
  EXPECT_EQ(
      removable({index_of(tagged("top"), {"mid"}), index_of(old("mid"), {"leaf"}), old("leaf")}),
      Names{});
}

TEST(GcKeep, ReferrersOfAKeptManifestStay) {
  // A signature of a child of a kept index stays too.
  EXPECT_EQ(removable({index_of(tagged("index"), {"child"}), old("child"),
                       referrer_of(old("sig-of-child"), "child"),
                       referrer_of(old("sbom-of-index"), "index"),
                       referrer_of(old("sig-of-gone"), "gone"), old("gone")}),
            (Names{"gone", "sig-of-gone"}));
}

TEST(GcKeep, SubjectOfAKeptReferrerStays) {
  // A tag-style referrer (tagged sha256-... by an older client) keeps its subject.
  EXPECT_EQ(removable({referrer_of(tagged("sig"), "image"), old("image")}), Names{});
}

TEST(GcKeep, UntaggedOffKeepsEverything) {
  EXPECT_EQ(removable({old("a"), old("b")}, false), Names{});
}

TEST(GcKeep, ReferencesToAbsentManifestsAreIgnored) {
  EXPECT_EQ(removable({index_of(tagged("index"), {"missing"}), referrer_of(old("r"), "absent")}),
            Names{"r"});
}

}  // namespace
}  // namespace registry
