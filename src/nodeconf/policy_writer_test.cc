#include "nodeconf/policy_writer.h"

#include <gtest/gtest.h>

#include "nodeconf/policy.h"

namespace nodeconf {
namespace {

TEST(PolicyWriter, DefaultNodePolicyIsTheMachineConfigOperatorTemplate) {
  EXPECT_EQ(write_policy_json(default_node_policy()),
            R"({"default":[{"type":"insecureAcceptAnything"}],)"
            R"("transports":{"docker-daemon":{"":[{"type":"insecureAcceptAnything"}]}}})");
}

TEST(PolicyWriter, SortsKeysAndEscapesHtmlAsGo) {
  PolicyDocument document = default_node_policy();
  document.transports["docker"]["b.example.com"] = {{{"type", "reject"}}};
  document.transports["docker"]["a.example.com/<x>&"] = {{{"type", "reject"}}};
  std::string text = write_policy_json(document);
  EXPECT_NE(text.find(R"("docker":{"a.example.com/\u003cx\u003e\u0026":)"), std::string::npos)
      << text;
  EXPECT_LT(text.find("\"docker\""), text.find("\"docker-daemon\""));
}

TEST(PolicyWriter, RoundTripsThroughJson) {
  PolicyDocument document = default_node_policy();
  document.transports["atomic"]["quay.io"] = {{{"type", "reject"}}};
  std::string text = write_policy_json(document);
  EXPECT_EQ(write_policy_json(policy_document_from_json(nlohmann::json::parse(text))), text);
  EXPECT_TRUE(Policy::parse(text, "policy.json").has_value());
}

}  // namespace
}  // namespace nodeconf
