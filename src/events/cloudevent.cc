#include "events/cloudevent.h"

#include <nlohmann/json.hpp>

namespace events {

std::string cloudevent_type(Action action) {
  switch (action) {
    case Action::kPush:
      return "io.regmirror.manifest.push";
    case Action::kPull:
      return "io.regmirror.manifest.pull";
    case Action::kDelete:
      return "io.regmirror.manifest.delete";
    case Action::kTag:
      return "io.regmirror.tag.update";
    case Action::kGcDelete:
      return "io.regmirror.gc.delete";
    case Action::kMirrorFetch:
      return "io.regmirror.mirror.fetch";
  }
  return "io.regmirror.unknown";
}

std::string cloudevent_body(const Event& event) {
  nlohmann::json data = {
      {"action", action_name(event.action)},
      {"repository", event.repository},
  };
  if (!event.digest.empty()) data["digest"] = event.digest;
  if (!event.tag.empty()) data["tag"] = event.tag;
  if (!event.media_type.empty()) data["mediaType"] = event.media_type;
  if (event.size != 0) data["size"] = event.size;
  if (!event.user.empty()) data["user"] = event.user;
  nlohmann::json request = nlohmann::json::object();
  if (!event.request.id.empty()) request["id"] = event.request.id;
  if (!event.request.addr.empty()) request["addr"] = event.request.addr;
  if (!event.request.host.empty()) request["host"] = event.request.host;
  if (!event.request.method.empty()) request["method"] = event.request.method;
  if (!event.request.user_agent.empty()) request["useragent"] = event.request.user_agent;
  if (!request.empty()) data["request"] = std::move(request);
  // A digest names the content exactly; a tag alone (a tag delete) is all there is otherwise.
  const std::string subject = !event.digest.empty() ? event.repository + "@" + event.digest
                                                    : event.repository + ":" + event.tag;
  const nlohmann::json body = {
      {"specversion", "1.0"},
      {"id", std::to_string(event.id)},
      {"source", "/regmirror/" + event.source},
      {"type", cloudevent_type(event.action)},
      {"time", rfc3339(event.time)},
      {"subject", subject},
      {"datacontenttype", "application/json"},
      {"data", std::move(data)},
  };
  return body.dump();
}

}  // namespace events
