#include "nodeconf/policy_writer.h"

namespace nodeconf {
namespace {

const nlohmann::json kAcceptAnything = {{"type", "insecureAcceptAnything"}};

std::string go_escape_html(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

PolicyDocument default_node_policy() {
  return {{kAcceptAnything}, {{"docker-daemon", {{"", {kAcceptAnything}}}}}};
}

PolicyDocument policy_document_from_json(const nlohmann::json& policy) {
  PolicyDocument document;
  if (policy.contains("default")) {
    document.default_requirements = policy.at("default").get<PolicyRequirements>();
  }
  if (!policy.contains("transports")) return document;
  for (const auto& [transport, scopes] : policy.at("transports").items()) {
    PolicyScopes& out = document.transports[transport];
    for (const auto& [scope, requirements] : scopes.items()) {
      out[scope] = requirements.get<PolicyRequirements>();
    }
  }
  return document;
}

std::string write_policy_json(const PolicyDocument& document, JsonLayout layout) {
  nlohmann::json transports = nlohmann::json::object();
  for (const auto& [transport, scopes] : document.transports) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [scope, requirements] : scopes) out[scope] = requirements;
    transports[transport] = std::move(out);
  }
  nlohmann::json policy = {{"default", document.default_requirements},
                           {"transports", std::move(transports)}};
  // `<`, `>` and `&` can only occur inside strings, so escaping the whole text is safe.
  // dump(2) lays out as Go's MarshalIndent(v, "", "  "): `"key": value`, "[]" and "{}" when
  // empty, no newline at the end.
  return go_escape_html(policy.dump(layout == JsonLayout::kIndented ? 2 : -1));
}

}  // namespace nodeconf
