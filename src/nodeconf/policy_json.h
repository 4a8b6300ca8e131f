// Strict JSON reading for policy.json, internal to policy.cc. Mirrors containers/image's
// ParanoidUnmarshalJSONObject (unknown and duplicated keys are errors) and how Go's
// encoding/json decodes each member (null is "" for a string and nil for a list).
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "oci/error.h"

namespace nodeconf::policy_internal {

// Members are visited in key order, not document order (nlohmann's ordered_json inserts in
// linear time, quadratic for a large policy), so with several errors the one reported may not
// be the first containers/image meets.
using Json = nlohmann::json;

// One JSON value: no byte-order mark, no duplicated keys in any object, no nesting deeper
// than any valid policy. Errors give the line and column.
oci::Result<Json> parse_strict_json(std::string_view text);

// A member as containers/image sees it once decoded into a Go value.
struct Member {
  bool present = false;
  bool set = false;       // not Go's zero value: a non-empty string, a non-null list or bytes
  std::size_t count = 0;  // entries of a list
  std::string text;       // a string's value
};

// Decodes one member's value; `where` is the member's path for errors.
using MemberReader = std::function<oci::Result<void>(const Json& value, const std::string& where)>;

MemberReader string_into(Member& member);
MemberReader string_list_into(Member& member);
MemberReader bytes_into(Member& member);  // a base64 string, as Go decodes []byte
MemberReader bytes_list_into(Member& member);
MemberReader value_into(const Json*& value);  // left for the caller to decode

// Reads `object`'s members, each with the reader registered for its key; any other key is an
// error.
oci::Result<void> read_object(
    const Json& object, const std::string& where,
    std::initializer_list<std::pair<std::string_view, MemberReader>> readers);

// read_object where every listed key must be present (ParanoidUnmarshalJSONObjectExactFields).
oci::Result<void> read_exact_object(
    const Json& object, const std::string& where,
    std::initializer_list<std::pair<std::string_view, MemberReader>> readers);

oci::Result<void> expect_object(const Json& value, const std::string& where);

// The "type" member that selects how containers/image parses an object; "" when absent or
// null, as Go decodes it.
oci::Result<std::string> read_type(const Json& value, const std::string& where);

std::string member_path(const std::string& where, std::string_view key);
std::string element_path(const std::string& where, std::size_t index);
// JSON-quoted, and shortened when it is too long for a one-line message.
std::string in_quotes(std::string_view text);
std::unexpected<oci::Error> error_at(const std::string& where, std::string_view message);

}  // namespace nodeconf::policy_internal
