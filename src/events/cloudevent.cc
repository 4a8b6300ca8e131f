#include "events/cloudevent.h"

#include <fmt/format.h>

#include "events/json_text.h"

namespace events {
namespace {

void append_if_set(std::string& out, std::string_view name, std::string_view text) {
  if (!text.empty()) append_json_member(out, name, text);
}

}  // namespace

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

std::string cloudevent_rest(const Event& event) {
  std::string out;
  out.reserve(512);
  std::string source = "/regmirror/";  // not "/regmirror/" + ...: GCC 12 -Wrestrict
  source += event.source;
  append_json_member(out, "source", source);
  append_json_member(out, "type", cloudevent_type(event.action));
  append_json_member(out, "time", rfc3339(event.time));
  // A digest names the content exactly; a tag alone (a tag delete) is all there is otherwise.
  append_json_member(out, "subject",
                     !event.digest.empty() ? event.repository + "@" + event.digest
                                           : event.repository + ":" + event.tag);
  append_json_member(out, "datacontenttype", "application/json");
  out += ",\"data\":{\"action\":";
  append_json_string(out, action_name(event.action));
  append_json_member(out, "repository", event.repository);
  append_if_set(out, "digest", event.digest);
  append_if_set(out, "tag", event.tag);
  append_if_set(out, "mediaType", event.media_type);
  if (event.size != 0) fmt::format_to(std::back_inserter(out), ",\"size\":{}", event.size);
  append_if_set(out, "user", event.user);
  std::string request;
  append_if_set(request, "id", event.request.id);
  append_if_set(request, "addr", event.request.addr);
  append_if_set(request, "host", event.request.host);
  append_if_set(request, "method", event.request.method);
  append_if_set(request, "useragent", event.request.user_agent);
  if (!request.empty()) {
    request[0] = '{';  // the first member's comma opens the object
    out += ",\"request\":";
    out += request;
    out += '}';
  }
  out += "}}";
  return out;
}

std::string cloudevent_body(std::int64_t id, std::string_view rest) {
  return fmt::format(R"({{"specversion":"1.0","id":"{}"{})", id, rest);
}

std::string cloudevent_body(const Event& event) {
  return cloudevent_body(event.id, cloudevent_rest(event));
}

}  // namespace events
