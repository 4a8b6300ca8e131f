// JSON text written by hand where events are serialized (once per event, on the outbox
// writer's thread): appending to one string costs far less than building a JSON document.
#pragma once

#include <string>
#include <string_view>

namespace events {

// Appends `text` as a JSON string: quoted, with '"', '\' and control characters escaped.
void append_json_string(std::string& out, std::string_view text);

// Appends `,"name":` then `text` as a JSON string.
void append_json_member(std::string& out, std::string_view name, std::string_view text);

}  // namespace events
