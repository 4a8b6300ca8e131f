// Reading members of JSON that anyone may have written (a pushed manifest, an image config)
// without trusting their types: a member of another type reads as absent.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ui {

// The member `key` of `object` when it is a string; "" otherwise (also when `object` is not
// an object).
std::string string_member(const nlohmann::json& object, std::string_view key);
// The member as a JSON string, or null when it is absent or not a string.
nlohmann::json string_or_null(const nlohmann::json& object, std::string_view key);
// The member when it is an object, else {}.
nlohmann::json object_member(const nlohmann::json& object, std::string_view key);
// The member's string elements when it is an array, or null when it is absent or not one.
nlohmann::json string_array_or_null(const nlohmann::json& object, std::string_view key);

// JSON text that never throws on bytes that are not UTF-8 (they become U+FFFD).
std::string dump(const nlohmann::json& value);

}  // namespace ui
