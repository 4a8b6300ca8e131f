#include "nodeconf/signature_payload.h"

#include <cmath>

#include "nodeconf/policy_json.h"
#include "oci/digest.h"

namespace nodeconf {
namespace {

using policy_internal::Json;
using policy_internal::Member;

std::unexpected<oci::Error> invalid(std::string_view message) {
  return oci::fail(oci::ErrorCode::kInternal, "invalid signature payload: " + std::string(message));
}

// optional.timestamp as containers/image reads it: a JSON number decoded into a float64 that
// must be an integer (null leaves it 0).
oci::Result<void> check_timestamp(const Json& value) {
  if (value.is_null()) return {};
  if (!value.is_number()) {
    return invalid(std::string("optional.timestamp: expected a number, got ") + value.type_name());
  }
  // Integers too: Go parses every number as a float64 first.
  const double number = value.get<double>();
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (!std::isfinite(number) || std::trunc(number) != number || number < -kTwoTo63 ||
      number >= kTwoTo63) {
    return invalid("optional.timestamp is not an integer");
  }
  return {};
}

// "optional": creator and timestamp are typed, anything else is ignored (cosign adds
// annotations there).
oci::Result<void> check_optional(const Json& optional, std::string_view expected_type) {
  if (optional.is_null() && expected_type == kSigstoreType) return {};
  if (!optional.is_object()) {
    return invalid(std::string("optional: expected a JSON object, got ") + optional.type_name());
  }
  if (const auto creator = optional.find("creator");
      creator != optional.end() && !creator->is_string() && !creator->is_null()) {
    return invalid(std::string("optional.creator: expected a string, got ") + creator->type_name());
  }
  if (const auto timestamp = optional.find("timestamp"); timestamp != optional.end()) {
    return check_timestamp(*timestamp);
  }
  return {};
}

oci::Result<SignaturePayload> read_critical(const Json& critical, std::string_view expected_type) {
  using namespace policy_internal;
  Member type;
  const Json* image = nullptr;
  const Json* identity = nullptr;
  if (auto ok = read_exact_object(critical, "critical",
                                  {{"type", string_into(type)},
                                   {"image", value_into(image)},
                                   {"identity", value_into(identity)}});
      !ok) {
    return invalid(ok.error().message);
  }
  if (type.text != expected_type) {
    return invalid("unrecognized signature type " + in_quotes(type.text) + " (expected " +
                   in_quotes(expected_type) + ")");
  }
  Member digest;
  if (auto ok = read_exact_object(*image, "critical.image",
                                  {{"docker-manifest-digest", string_into(digest)}});
      !ok) {
    return invalid(ok.error().message);
  }
  if (const auto parsed = oci::Digest::parse(digest.text); !parsed) {
    return invalid("invalid docker-manifest-digest value " + in_quotes(digest.text) + ": " +
                   parsed.error().message);
  }
  Member reference;
  if (auto ok = read_exact_object(*identity, "critical.identity",
                                  {{"docker-reference", string_into(reference)}});
      !ok) {
    return invalid(ok.error().message);
  }
  return SignaturePayload{std::move(reference.text), std::move(digest.text)};
}

// Go's encoding/json string encoding with HTML escaping (json.Marshal's default): invalid
// UTF-8 becomes U+FFFD, control characters, <, >, &, U+2028 and U+2029 are escaped.
void append_go_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      switch (byte) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (byte < 0x20 || byte == '<' || byte == '>' || byte == '&') {
            out += "\\u00";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
          } else {
            out += static_cast<char>(byte);
          }
      }
      ++i;
      continue;
    }
    // One UTF-8 sequence, checked as Go's utf8.DecodeRuneInString checks it.
    const std::size_t length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 0;
    char32_t rune = length == 4 ? byte & 0x07u : length == 3 ? byte & 0x0fu : byte & 0x1fu;
    bool valid = length != 0 && byte <= 0xf4 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xc0) == 0x80;
      rune = (rune << 6) | (next & 0x3fu);
    }
    constexpr char32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    valid = valid && rune >= kMinimum[length] && rune <= 0x10ffff &&
            !(rune >= 0xd800 && rune <= 0xdfff);
    if (!valid) {
      out += "\\ufffd";
      ++i;
    } else if (rune == 0x2028 || rune == 0x2029) {
      out += rune == 0x2028 ? "\\u2028" : "\\u2029";
      i += length;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  out += '"';
}

}  // namespace

oci::Result<SignaturePayload> parse_signature_payload(std::string_view json,
                                                      std::string_view expected_type) {
  using namespace policy_internal;
  if (json.size() > kMaxSignatureSize) {
    return invalid("larger than " + std::to_string(kMaxSignatureSize >> 20) + " MiB");
  }
  const auto root = parse_strict_json(json);
  if (!root) return invalid(root.error().message);
  const Json* critical = nullptr;
  const Json* optional = nullptr;
  if (auto ok = read_exact_object(
          *root, "", {{"critical", value_into(critical)}, {"optional", value_into(optional)}});
      !ok) {
    return invalid(ok.error().message);
  }
  // containers/image decodes "optional" before "critical"; the first error is reported.
  if (auto ok = check_optional(*optional, expected_type); !ok) return std::unexpected(ok.error());
  return read_critical(*critical, expected_type);
}

std::string sigstore_payload(std::string_view docker_reference, std::string_view manifest_digest,
                             std::string_view creator, std::int64_t timestamp) {
  std::string out = R"({"critical":{"identity":{"docker-reference":)";
  append_go_json_string(out, docker_reference);
  out += R"(},"image":{"docker-manifest-digest":)";
  append_go_json_string(out, manifest_digest);
  out += R"(},"type":)";
  append_go_json_string(out, kSigstoreType);
  out += R"(},"optional":{"creator":)";
  append_go_json_string(out, creator);
  out += R"(,"timestamp":)";
  out += std::to_string(timestamp);
  out += "}}";
  return out;
}

}  // namespace nodeconf
