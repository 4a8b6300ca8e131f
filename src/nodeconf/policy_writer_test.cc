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

// What Go's json.MarshalIndent(policy, "", "  ") printed for the same document (MCO 4.17+).
TEST(PolicyWriter, IndentedIsGosMarshalIndent) {
  PolicyDocument document = default_node_policy();
  document.default_requirements = {{{"type", "reject"}}};
  document.transports["docker"]["quay.io"] = {{{"type", "insecureAcceptAnything"}}};
  document.transports["docker"]["a.example.com/<x>&"] = {{{"type", "reject"}}};
  document.transports["atomic"];
  EXPECT_EQ(write_policy_json(document, JsonLayout::kIndented),
            "{\n"
            "  \"default\": [\n"
            "    {\n"
            "      \"type\": \"reject\"\n"
            "    }\n"
            "  ],\n"
            "  \"transports\": {\n"
            "    \"atomic\": {},\n"
            "    \"docker\": {\n"
            "      \"a.example.com/\\u003cx\\u003e\\u0026\": [\n"
            "        {\n"
            "          \"type\": \"reject\"\n"
            "        }\n"
            "      ],\n"
            "      \"quay.io\": [\n"
            "        {\n"
            "          \"type\": \"insecureAcceptAnything\"\n"
            "        }\n"
            "      ]\n"
            "    },\n"
            "    \"docker-daemon\": {\n"
            "      \"\": [\n"
            "        {\n"
            "          \"type\": \"insecureAcceptAnything\"\n"
            "        }\n"
            "      ]\n"
            "    }\n"
            "  }\n"
            "}");
}

}  // namespace
}  // namespace nodeconf
