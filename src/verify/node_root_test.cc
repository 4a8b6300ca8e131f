// load_node_root over fixture trees: what a node reads, what it may lack, what it must have.
#include "verify/node_root.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "testsupport/temp_dir.h"

namespace verify {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kAcceptAll = R"({"default":[{"type":"insecureAcceptAnything"}]})";

void write(const fs::path& file, std::string_view text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

class NodeRootTest : public ::testing::Test {
 protected:
  fs::path containers() const { return root_.path() / "etc/containers"; }
  testsupport::TempDir root_;
};

TEST_F(NodeRootTest, AMissingRegistriesConfIsAnEmptyOne) {
  write(containers() / "policy.json", kAcceptAll);
  auto node = load_node_root(root_.path(), std::nullopt, std::nullopt);
  ASSERT_TRUE(node) << node.error().message;
  EXPECT_TRUE(node->registries_conf) << node->registries_conf.error().message;
  EXPECT_TRUE(node->policy);
  EXPECT_FALSE(node->pull_secret);  // anonymous
  ASSERT_EQ(node->certs_d_roots.size(), 2u);
  EXPECT_EQ(node->certs_d_roots[0], containers() / "certs.d");
  EXPECT_EQ(node->certs_d_roots[1], root_.path() / "etc/docker/certs.d");
}

TEST_F(NodeRootTest, AMissingPolicyJsonIsAnErrorUnlessOneIsGiven) {
  // CRI-O and podman refuse every pull without it: not "accept everything".
  auto node = load_node_root(root_.path(), std::nullopt, std::nullopt);
  ASSERT_FALSE(node);
  EXPECT_NE(node.error().message.find("policy.json does not exist"), std::string::npos)
      << node.error().message;
  EXPECT_NE(node.error().message.find("--policy"), std::string::npos) << node.error().message;
  write(root_.path() / "given-policy.json", kAcceptAll);
  auto given = load_node_root(root_.path(), std::nullopt, root_.path() / "given-policy.json");
  ASSERT_TRUE(given) << given.error().message;
  EXPECT_TRUE(given->policy);
}

TEST_F(NodeRootTest, AGivenPolicyReplacesTheNodes) {
  write(containers() / "policy.json", "{ not json");
  write(root_.path() / "given-policy.json", kAcceptAll);
  EXPECT_FALSE(load_node_root(root_.path(), std::nullopt, std::nullopt));
  EXPECT_TRUE(load_node_root(root_.path(), std::nullopt, root_.path() / "given-policy.json"));
}

TEST_F(NodeRootTest, TheKubeletPullSecretUnlessAnotherIsGiven) {
  write(containers() / "policy.json", kAcceptAll);
  write(root_.path() / "var/lib/kubelet/config.json", R"({"auths":{}})");
  auto node = load_node_root(root_.path(), std::nullopt, std::nullopt);
  ASSERT_TRUE(node) << node.error().message;
  EXPECT_EQ(node->pull_secret, root_.path() / "var/lib/kubelet/config.json");
  write(root_.path() / "other.json", R"({"auths":{}})");
  auto other = load_node_root(root_.path(), root_.path() / "other.json", std::nullopt);
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_EQ(other->pull_secret, root_.path() / "other.json");
  auto missing = load_node_root(root_.path(), root_.path() / "nope.json", std::nullopt);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("nope.json does not exist"), std::string::npos);
}

TEST_F(NodeRootTest, RegistriesDIsReadAndAMalformedOneIsAnError) {
  write(containers() / "policy.json", kAcceptAll);
  write(containers() / "registries.d/quay.yaml",
        "docker:\n  quay.io/ns:\n    use-sigstore-attachments: true\n");
  auto node = load_node_root(root_.path(), std::nullopt, std::nullopt);
  ASSERT_TRUE(node) << node.error().message;
  EXPECT_TRUE(node->registries_d.use_sigstore_attachments("quay.io/ns/app"));
  write(containers() / "registries.d/bad.yaml", "docker: [\n");
  EXPECT_FALSE(load_node_root(root_.path(), std::nullopt, std::nullopt));
}

TEST_F(NodeRootTest, AMalformedRegistriesConfIsAnError) {
  write(containers() / "policy.json", kAcceptAll);
  write(containers() / "registries.conf", "[[registry]\nlocation = \n");
  EXPECT_FALSE(load_node_root(root_.path(), std::nullopt, std::nullopt));
}

}  // namespace
}  // namespace verify
