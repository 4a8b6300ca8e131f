#include "ui/config_view.h"

#include "ui/json_fields.h"

namespace ui {
namespace {

nlohmann::json history_view(const nlohmann::json& config) {
  auto history = nlohmann::json::array();
  const auto found = config.find("history");
  if (found == config.end() || !found->is_array()) return history;
  for (const auto& step : *found) {
    const auto empty = step.is_object() ? step.find("empty_layer") : step.end();
    history.push_back(
        {{"created", string_or_null(step, "created")},
         {"created_by", string_member(step, "created_by")},
         {"comment", string_member(step, "comment")},
         {"empty_layer", empty != step.end() && empty->is_boolean() && empty->get<bool>()}});
  }
  return history;
}

// {"8080/tcp": {}} -> ["8080/tcp"]
nlohmann::json exposed_ports(const nlohmann::json& runtime) {
  auto ports = nlohmann::json::array();
  const nlohmann::json exposed = object_member(runtime, "ExposedPorts");
  for (const auto& [port, ignored] : exposed.items()) {
    ports.push_back(port);
  }
  return ports;
}

nlohmann::json string_labels(const nlohmann::json& runtime) {
  auto labels = nlohmann::json::object();
  const nlohmann::json given = object_member(runtime, "Labels");
  for (const auto& [key, value] : given.items()) {
    if (value.is_string()) labels[key] = value;
  }
  return labels;
}

}  // namespace

nlohmann::json config_view(const oci::Descriptor& descriptor, const nlohmann::json& config) {
  const nlohmann::json runtime = object_member(config, "config");
  nlohmann::json env = string_array_or_null(runtime, "Env");
  if (env.is_null()) env = nlohmann::json::array();
  return {{"digest", descriptor.digest.str()},
          {"media_type", descriptor.media_type},
          {"size", descriptor.size},
          {"created", string_or_null(config, "created")},
          {"author", string_member(config, "author")},
          {"os", string_member(config, "os")},
          {"architecture", string_member(config, "architecture")},
          {"variant", string_member(config, "variant")},
          {"entrypoint", string_array_or_null(runtime, "Entrypoint")},
          {"cmd", string_array_or_null(runtime, "Cmd")},
          {"env", std::move(env)},
          {"working_dir", string_member(runtime, "WorkingDir")},
          {"user", string_member(runtime, "User")},
          {"exposed_ports", exposed_ports(runtime)},
          {"labels", string_labels(runtime)},
          {"history", history_view(config)}};
}

}  // namespace ui
