#include "openshift/policy_builder.h"

#include <gtest/gtest.h>

namespace openshift {
namespace {

const nlohmann::json kAccept = {{"type", "insecureAcceptAnything"}};
const nlohmann::json kReject = {{"type", "reject"}};

TEST(PolicyBuilder, NeitherListKeepsTheBase) {
  EXPECT_EQ(nodeconf::write_policy_json(build_policy(nodeconf::default_node_policy(), {}, {})),
            nodeconf::write_policy_json(nodeconf::default_node_policy()));
}

TEST(PolicyBuilder, AllowedRejectsEverythingElse) {
  auto policy = build_policy(nodeconf::default_node_policy(), {"quay.io", "a.io/b/c/d"}, {});
  EXPECT_EQ(policy.default_requirements, nodeconf::PolicyRequirements{kReject});
  EXPECT_EQ(policy.transports["docker"]["quay.io"], nodeconf::PolicyRequirements{kAccept});
  EXPECT_EQ(policy.transports["docker"]["a.io/b/c/d"], nodeconf::PolicyRequirements{kAccept});
}

TEST(PolicyBuilder, BlockedRejectsEachScope) {
  auto policy = build_policy(nodeconf::default_node_policy(), {}, {"docker.io"});
  EXPECT_EQ(policy.default_requirements, nodeconf::PolicyRequirements{kAccept});
  EXPECT_EQ(policy.transports["docker"]["docker.io"], nodeconf::PolicyRequirements{kReject});
}

TEST(PolicyBuilder, AtomicRepeatsScopesWithFewerThanThreeSlashes) {
  auto policy = build_policy(nodeconf::default_node_policy(), {},
                             {"a.io", "a.io/b/c", "a.io/b/c/d", "*.example.com"});
  EXPECT_EQ(policy.transports["atomic"].size(), 3u);
  EXPECT_TRUE(policy.transports["atomic"].contains("a.io/b/c"));
  EXPECT_FALSE(policy.transports["atomic"].contains("a.io/b/c/d"));
}

}  // namespace
}  // namespace openshift
