#include "nodeconf/policy_json.h"

#include "oci/base64.h"

#include <algorithm>
#include <set>
#include <vector>

namespace nodeconf::policy_internal {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
// Far deeper than any valid policy, which nests 6 levels: transports, docker, a scope, its
// requirements, one requirement, its signedIdentity or fulcio.
constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxQuotedLength = 120;
constexpr std::size_t kMaxMessageLength = 300;

struct StrictJsonError {
  std::string message;
};

// Bytes outside printable ASCII as \xNN: parser messages quote raw input, which may be
// invalid UTF-8, and the message must stay one clean line.
std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char c : text.substr(0, kMaxMessageLength)) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (text.size() > kMaxMessageLength) out += "...";
  return out;
}

// nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: ..." without
// the bracketed id.
std::string parser_message(const nlohmann::json::exception& e) {
  std::string_view message = e.what();
  if (message.starts_with('[')) {
    const auto end = message.find("] ");
    if (end != std::string_view::npos) message.remove_prefix(end + 2);
  }
  return printable(message);
}

bool is_identifier(std::string_view key) {
  return !key.empty() && std::ranges::all_of(key, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::unexpected<oci::Error> type_error(const Json& value, std::string_view expected,
                                       const std::string& where) {
  return error_at(where, "expected " + std::string(expected) + ", got " + value.type_name());
}

oci::Result<void> check_string_or_null(const Json& value, const std::string& where) {
  if (value.is_string() || value.is_null()) return {};
  return type_error(value, "a string", where);
}

oci::Result<void> check_bytes(const Json& value, const std::string& where) {
  if (value.is_null()) return {};
  if (!value.is_string()) return type_error(value, "a base64 string", where);
  // As encoding/json decodes []byte.
  if (!oci::base64_decode_go_std(value.get_ref<const std::string&>())) {
    return error_at(where, "invalid base64 data");
  }
  return {};
}

// A JSON array (or null) of `element` values, as Go decodes a slice.
oci::Result<void> read_list(const Json& value, const std::string& where, Member& member,
                            oci::Result<void> (*element)(const Json&, const std::string&)) {
  member.present = true;
  if (value.is_null()) return {};
  if (!value.is_array()) return type_error(value, "an array", where);
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (auto ok = element(value[i], element_path(where, i)); !ok) return ok;
  }
  member.set = true;
  member.count = value.size();
  return {};
}

}  // namespace

oci::Result<Json> parse_strict_json(std::string_view text) {
  if (text.starts_with(kByteOrderMark)) {
    return error_at("", "starts with a UTF-8 byte-order mark, which containers/image rejects");
  }
  std::vector<std::set<std::string, std::less<>>> keys_of_open_objects;
  const auto check = [&](int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        keys_of_open_objects.emplace_back();
        [[fallthrough]];
      case Json::parse_event_t::array_start:
        if (depth >= kMaxDepth) {
          throw StrictJsonError{"nested deeper than " + std::to_string(kMaxDepth) + " levels"};
        }
        break;
      case Json::parse_event_t::object_end:
        keys_of_open_objects.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!keys_of_open_objects.back().insert(parsed.get<std::string>()).second) {
          throw StrictJsonError{"duplicate key " + in_quotes(parsed.get_ref<const std::string&>())};
        }
        break;
      case Json::parse_event_t::array_end:
      case Json::parse_event_t::value:
        break;
    }
    return true;
  };
  try {
    return Json::parse(text, check);
  } catch (const StrictJsonError& e) {
    return error_at("", e.message);
  } catch (const nlohmann::json::exception& e) {
    return error_at("", parser_message(e));
  }
}

MemberReader string_into(Member& member) {
  return [&member](const Json& value, const std::string& where) -> oci::Result<void> {
    member.present = true;
    if (auto ok = check_string_or_null(value, where); !ok) return ok;
    if (value.is_string()) member.text = value.get<std::string>();
    member.set = !member.text.empty();
    return {};
  };
}

MemberReader string_list_into(Member& member) {
  return [&member](const Json& value, const std::string& where) {
    return read_list(value, where, member, check_string_or_null);
  };
}

MemberReader bytes_into(Member& member) {
  return [&member](const Json& value, const std::string& where) -> oci::Result<void> {
    member.present = true;
    if (auto ok = check_bytes(value, where); !ok) return ok;
    member.set = value.is_string();
    return {};
  };
}

MemberReader bytes_list_into(Member& member) {
  return [&member](const Json& value, const std::string& where) {
    return read_list(value, where, member, check_bytes);
  };
}

MemberReader value_into(const Json*& out) {
  return [&out](const Json& value, const std::string&) -> oci::Result<void> {
    out = &value;
    return {};
  };
}

oci::Result<void> read_object(
    const Json& object, const std::string& where,
    std::initializer_list<std::pair<std::string_view, MemberReader>> readers) {
  if (auto ok = expect_object(object, where); !ok) return ok;
  for (const auto& [key, value] : object.items()) {
    const auto reader = std::ranges::find(readers, std::string_view(key),
                                          &std::pair<std::string_view, MemberReader>::first);
    if (reader == readers.end()) return error_at(where, "unknown key " + in_quotes(key));
    if (auto ok = reader->second(value, member_path(where, key)); !ok) return ok;
  }
  return {};
}

oci::Result<void> expect_object(const Json& value, const std::string& where) {
  if (value.is_object()) return {};
  return type_error(value, "a JSON object", where);
}

oci::Result<void> read_exact_object(
    const Json& object, const std::string& where,
    std::initializer_list<std::pair<std::string_view, MemberReader>> readers) {
  if (auto ok = read_object(object, where, readers); !ok) return ok;
  for (const auto& [key, reader] : readers) {
    if (!object.contains(std::string(key))) {
      return error_at(where, "key " + in_quotes(key) + " missing");
    }
  }
  return {};
}

oci::Result<std::string> read_type(const Json& value, const std::string& where) {
  if (value.is_null()) return std::string();
  if (auto ok = expect_object(value, where); !ok) return std::unexpected(ok.error());
  const auto type = value.find("type");
  if (type == value.end() || type->is_null()) return std::string();
  if (!type->is_string()) return type_error(*type, "a string", member_path(where, "type"));
  return type->get<std::string>();
}

std::string member_path(const std::string& where, std::string_view key) {
  if (!is_identifier(key)) return where + "[" + in_quotes(key) + "]";
  return where.empty() ? std::string(key) : where + "." + std::string(key);
}

std::string element_path(const std::string& where, std::size_t index) {
  return where + "[" + std::to_string(index) + "]";
}

std::string in_quotes(std::string_view text) {
  const bool too_long = text.size() > kMaxQuotedLength;
  std::string out = Json(std::string(text.substr(0, kMaxQuotedLength)))
                        .dump(-1, ' ', false, Json::error_handler_t::replace);
  if (too_long) out.insert(out.size() - 1, "...");
  return out;
}

std::unexpected<oci::Error> error_at(const std::string& where, std::string_view message) {
  return oci::fail(oci::ErrorCode::kInternal,
                   where.empty() ? std::string(message) : where + ": " + std::string(message));
}

}  // namespace nodeconf::policy_internal
