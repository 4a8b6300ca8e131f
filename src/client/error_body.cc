#include "client/error_body.h"

#include <array>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oci/json_depth.h"

namespace client {
namespace {

using oci::ErrorCode;

// The spec's codes; code_name() gives their strings.
constexpr std::array kSpecCodes{
    ErrorCode::kBlobUnknown,     ErrorCode::kBlobUploadInvalid,   ErrorCode::kBlobUploadUnknown,
    ErrorCode::kDigestInvalid,   ErrorCode::kManifestBlobUnknown, ErrorCode::kManifestInvalid,
    ErrorCode::kManifestUnknown, ErrorCode::kNameInvalid,         ErrorCode::kNameUnknown,
    ErrorCode::kSizeInvalid,     ErrorCode::kUnauthorized,        ErrorCode::kDenied,
    ErrorCode::kUnsupported,     ErrorCode::kTooManyRequests,
};

std::optional<ErrorCode> code_from_name(std::string_view name) {
  for (const auto code : kSpecCodes) {
    if (oci::code_name(code) == name) return code;
  }
  return std::nullopt;
}

ErrorCode code_from_status(long status) {
  switch (status) {
    case 401:
      return ErrorCode::kUnauthorized;
    case 403:
      return ErrorCode::kDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 405:
      return ErrorCode::kUnsupported;
    case 416:
      return ErrorCode::kRangeInvalid;
    case 429:
      return ErrorCode::kTooManyRequests;
    default:
      return ErrorCode::kInternal;
  }
}

// A short printable excerpt of a non-JSON body ("404 page not found").
std::string excerpt(std::string_view body) {
  std::string out;
  for (const char c : body.substr(0, 200)) {
    out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

struct BodyError {
  std::string name;  // the code as the registry wrote it
  oci::Error error;  // message: the registry's message only
};

std::optional<BodyError> first_error(std::string_view body, ErrorCode unknown_code) {
  // "detail" is kept as its dump(), which recurses per level.
  if (oci::json_nests_deeper_than(body)) return std::nullopt;
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  const auto errors = json.find("errors");
  if (errors == json.end() || !errors->is_array() || errors->empty()) return std::nullopt;
  const auto& first = errors->front();
  if (!first.is_object()) return std::nullopt;
  const auto code = first.find("code");
  if (code == first.end() || !code->is_string()) return std::nullopt;
  BodyError found{code->get<std::string>(), {unknown_code, {}}};
  found.error.code = code_from_name(found.name).value_or(unknown_code);
  if (const auto m = first.find("message"); m != first.end() && m->is_string()) {
    found.error.message = m->get<std::string>();
  }
  if (const auto d = first.find("detail"); d != first.end() && !d->is_null()) {
    found.error.detail = d->is_string() ? d->get<std::string>() : d->dump();
  }
  return found;
}

}  // namespace

std::optional<oci::Error> parse_error_body(std::string_view body, ErrorCode unknown_code) {
  auto found = first_error(body, unknown_code);
  if (!found) return std::nullopt;
  if (!code_from_name(found->name)) {
    found->error.message = found->error.message.empty()
                               ? found->name
                               : fmt::format("{}: {}", found->name, found->error.message);
  }
  return std::move(found->error);
}

oci::Error error_from_response(std::string_view method, std::string_view url, long status,
                               std::string_view body) {
  if (auto found = first_error(body, code_from_status(status))) {
    auto& error = found->error;
    error.message = error.message.empty()
                        ? fmt::format("{} {}: HTTP {}: {}", method, url, status, found->name)
                        : fmt::format("{} {}: HTTP {}: {}: {}", method, url, status, found->name,
                                      error.message);
    return std::move(error);
  }
  const auto text = excerpt(body);
  return oci::Error{code_from_status(status),
                    text.empty() ? fmt::format("{} {}: HTTP {}", method, url, status)
                                 : fmt::format("{} {}: HTTP {}: {}", method, url, status, text)};
}

}  // namespace client
