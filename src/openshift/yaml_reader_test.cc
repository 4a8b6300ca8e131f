#include "openshift/yaml_reader.h"

#include <gtest/gtest.h>

namespace openshift {
namespace {

oci::Result<ClusterObjects> read(std::string_view text) {
  ClusterObjects objects;
  auto ok = read_cluster_objects(text, "in.yaml", objects);
  if (!ok) return std::unexpected(ok.error());
  return objects;
}

TEST(YamlReader, ReadsEveryKindAcrossDocumentsAndLists) {
  auto objects = read(R"(
apiVersion: config.openshift.io/v1
kind: Image
metadata: {name: cluster}
spec:
  registrySources:
    insecureRegistries: [a.example.com]
    containerRuntimeSearchRegistries: [s.example.com]
  additionalTrustedCA: {name: ca}
---
apiVersion: v1
kind: List
items:
- apiVersion: operator.openshift.io/v1alpha1
  kind: ImageContentSourcePolicy
  metadata: {name: icsp}
  spec:
    repositoryDigestMirrors:
    - {source: quay.io/a, mirrors: [m.example.com/a]}
- apiVersion: config.openshift.io/v1
  kind: ImageTagMirrorSet
  metadata: {name: itms}
  spec:
    imageTagMirrors:
    - {source: quay.io/b, mirrors: [m.example.com/b], mirrorSourcePolicy: NeverContactSource}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ca, namespace: openshift-config}
data: {"h..5000": "pem"}
)");
  ASSERT_TRUE(objects) << objects.error().message;
  ASSERT_TRUE(objects->image);
  EXPECT_EQ(objects->image->insecure_registries, std::vector<std::string>{"a.example.com"});
  EXPECT_EQ(objects->image->additional_trusted_ca, "ca");
  ASSERT_EQ(objects->digest_sets.size(), 1u);
  EXPECT_EQ(objects->digest_sets[0].entries[0].mirrors[0], "m.example.com/a");
  ASSERT_EQ(objects->tag_sets.size(), 1u);
  EXPECT_EQ(objects->tag_sets[0].entries[0].policy, MirrorSourcePolicy::kNeverContactSource);
  ASSERT_EQ(objects->config_maps.size(), 1u);
  EXPECT_EQ(objects->config_maps[0].data.at("h..5000"), "pem");
}

// Go tests the insecure list for nil: an empty list is not an absent one.
TEST(YamlReader, AnEmptyInsecureListIsKeptApartFromAnAbsentOne) {
  const std::string image =
      "apiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: cluster}\n";
  auto empty = read(image + "spec: {registrySources: {insecureRegistries: []}}\n");
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_EQ(empty->image->insecure_registries, std::vector<std::string>{});
  for (const std::string spec : {"spec: {registrySources: {insecureRegistries: null}}\n",
                                 "spec: {registrySources: {}}\n", "spec: {}\n"}) {
    auto absent = read(image + spec);
    ASSERT_TRUE(absent) << absent.error().message;
    EXPECT_FALSE(absent->image->insecure_registries) << spec;
  }
  auto search = read(image + "spec: {registrySources: {containerRuntimeSearchRegistries: []}}\n");
  ASSERT_FALSE(search);
  EXPECT_NE(search.error().message.find("should have at least 1 items"), std::string::npos);
}

TEST(YamlReader, SkipsUnknownKindsWithAWarning) {
  auto objects = read("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n");
  ASSERT_TRUE(objects);
  ASSERT_EQ(objects->warnings.size(), 1u);
  EXPECT_NE(objects->warnings[0].find("Secret"), std::string::npos);
}

TEST(YamlReader, ErrorsNameTheObjectAndField) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  for (const Case& c : {
           Case{"kind: ImageDigestMirrorSet\napiVersion: config.openshift.io/v1alpha1\n"
                "metadata: {name: x}\n",
                "ImageDigestMirrorSet \"x\" (in.yaml document 1): apiVersion: is "
                "\"config.openshift.io/v1alpha1\", ImageDigestMirrorSet needs "
                "\"config.openshift.io/v1\""},
           Case{"kind: ImageDigestMirrorSet\napiVersion: config.openshift.io/v1\n"
                "metadata: {name: x}\nspec: {imageDigestMirrors: [{source: a/b, mirrors: c}]}\n",
                "ImageDigestMirrorSet \"x\" (in.yaml document 1): "
                "spec.imageDigestMirrors[0].mirrors: must be a list of strings"},
           Case{"kind: ImageTagMirrorSet\napiVersion: config.openshift.io/v1\n"
                "metadata: {name: x}\nspec: {imageTagMirrors: [{source: a/b, mirrors: [c/d], "
                "mirrorSourcePolicy: Sometimes}]}\n",
                "spec.imageTagMirrors[0].mirrorSourcePolicy: unsupported value \"Sometimes\""},
           Case{"a: [", "in.yaml:1:1: invalid YAML"},
       }) {
    auto objects = read(c.yaml);
    ASSERT_FALSE(objects) << c.yaml;
    EXPECT_NE(objects.error().message.find(c.message), std::string::npos)
        << objects.error().message;
  }
}

}  // namespace
}  // namespace openshift
