#include "sync/mirror_sets.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "openshift/node_files.h"
#include "openshift/yaml_reader.h"

namespace imagesync {
namespace {

const std::vector<MirrorPair> kPairs = {
    {"quay.io/app/web", "eu.example.com/mirror/app/web", false},
    {"quay.io/app/api", "eu.example.com/mirror/app/api", true},
    {"docker.io/library/busybox", "eu.example.com/mirror/library/busybox", true},
    {"quay.io/app/api", "eu.example.com/mirror/app/api", true},  // duplicate: dropped
};

openshift::ClusterObjects read(const std::string& yaml) {
  openshift::ClusterObjects objects;
  auto ok = openshift::read_cluster_objects(yaml, "emitted.yaml", objects);
  EXPECT_TRUE(ok.has_value()) << ok.error().message << "\n" << yaml;
  EXPECT_TRUE(objects.warnings.empty());
  return objects;
}

TEST(MirrorSets, DigestMirrorSetListsEveryRepositorySorted) {
  const std::string yaml = image_digest_mirror_set(kPairs, "regmirror");
  const auto objects = read(yaml);
  ASSERT_EQ(objects.digest_sets.size(), 1u);
  const auto& set = objects.digest_sets[0];
  EXPECT_EQ(set.kind, "ImageDigestMirrorSet");
  EXPECT_EQ(set.name, "regmirror");
  ASSERT_EQ(set.entries.size(), 3u);
  EXPECT_EQ(set.entries[0].source, "docker.io/library/busybox");
  EXPECT_EQ(set.entries[1].source, "quay.io/app/api");
  EXPECT_EQ(set.entries[1].mirrors, (std::vector<std::string>{"eu.example.com/mirror/app/api"}));
  EXPECT_EQ(set.entries[2].source, "quay.io/app/web");
  // Deterministic: the same input in another order gives the same bytes.
  std::vector<MirrorPair> reversed(kPairs.rbegin(), kPairs.rend());
  EXPECT_EQ(image_digest_mirror_set(reversed, "regmirror"), yaml);
}

TEST(MirrorSets, TagMirrorSetListsOnlyRepositoriesSyncedByTag) {
  const auto objects = read(image_tag_mirror_set(kPairs, "regmirror"));
  ASSERT_EQ(objects.tag_sets.size(), 1u);
  EXPECT_EQ(objects.tag_sets[0].kind, "ImageTagMirrorSet");
  ASSERT_EQ(objects.tag_sets[0].entries.size(), 2u);
  EXPECT_EQ(objects.tag_sets[0].entries[0].source, "docker.io/library/busybox");
  EXPECT_EQ(objects.tag_sets[0].entries[1].source, "quay.io/app/api");
}

TEST(MirrorSets, ContentSourcePolicyForOlderClusters) {
  const auto objects = read(image_content_source_policy(kPairs, "regmirror"));
  ASSERT_EQ(objects.digest_sets.size(), 1u);
  EXPECT_EQ(objects.digest_sets[0].kind, "ImageContentSourcePolicy");
  EXPECT_EQ(objects.digest_sets[0].entries.size(), 3u);
}

TEST(MirrorSets, RenderAcceptsThemAndPointsNodesAtTheMirrors) {
  openshift::ClusterObjects objects;
  for (const auto& yaml :
       {image_digest_mirror_set(kPairs, "regmirror"), image_tag_mirror_set(kPairs, "regmirror")}) {
    ASSERT_TRUE(openshift::read_cluster_objects(yaml, "emitted.yaml", objects).has_value());
  }
  auto files = openshift::render_node_files(objects, {});
  ASSERT_TRUE(files.has_value()) << files.error().message;
  const std::string conf = files->files.at(std::string(openshift::kRegistriesConfPath));
  EXPECT_NE(conf.find("location = \"eu.example.com/mirror/app/api\""), std::string::npos) << conf;
  EXPECT_NE(conf.find("location = \"quay.io/app/web\""), std::string::npos) << conf;
  EXPECT_NE(conf.find("pull-from-mirror = \"tag-only\""), std::string::npos) << conf;
}

TEST(MirrorSets, NamesNeedingQuotesStayValidYaml) {
  const auto objects = read(image_digest_mirror_set(kPairs, "a: b # c"));
  ASSERT_EQ(objects.digest_sets.size(), 1u);
  EXPECT_EQ(objects.digest_sets[0].name, "a: b # c");
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(MirrorSets, OneDestinationWritesDirectlySeveralOneDirectoryEach) {
  const std::vector<MirrorPair> us = {{"quay.io/app/api", "us.example.com:5000/app/api", false}};
  auto one = mirror_set_files({{"eu.example.com/mirror", kPairs}}, {});
  ASSERT_TRUE(one.has_value());
  ASSERT_EQ(one->size(), 2u);
  EXPECT_EQ((*one)[0].path, "imagedigestmirrorset.yaml");
  EXPECT_EQ((*one)[1].path, "imagetagmirrorset.yaml");

  MirrorSetOptions icsp;
  icsp.icsp = true;
  auto several = mirror_set_files(
      {{"eu.example.com/mirror", kPairs}, {"us.example.com:5000", us}, {"empty.example.com", {}}},
      icsp);
  ASSERT_TRUE(several.has_value());
  std::vector<std::string> paths;
  for (const auto& file : *several) paths.push_back(file.path.string());
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "eu.example.com_mirror/imagedigestmirrorset.yaml",
                       "eu.example.com_mirror/imagetagmirrorset.yaml",
                       "eu.example.com_mirror/imagecontentsourcepolicy.yaml",
                       "us.example.com_5000/imagedigestmirrorset.yaml",
                       "us.example.com_5000/imagecontentsourcepolicy.yaml",
                   }));

  const auto dir = std::filesystem::temp_directory_path() / "regmirror-mirror-sets-test";
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(write_mirror_set_files(dir, *several).has_value());
  const auto objects = read(slurp(dir / "us.example.com_5000" / "imagedigestmirrorset.yaml"));
  ASSERT_EQ(objects.digest_sets.size(), 1u);
  EXPECT_EQ(objects.digest_sets[0].entries[0].mirrors,
            (std::vector<std::string>{"us.example.com:5000/app/api"}));
  std::filesystem::remove_all(dir);
}

TEST(MirrorSets, DirectoryNamesMustNotCollide) {
  EXPECT_EQ(destination_directory("a.example.com:5000/x/y"), "a.example.com_5000_x_y");
  auto clash = mirror_set_files({{"a.example.com/x_y", kPairs}, {"a.example.com/x/y", kPairs}}, {});
  ASSERT_FALSE(clash.has_value());
  EXPECT_NE(clash.error().message.find("share the directory"), std::string::npos);
}

}  // namespace
}  // namespace imagesync
