// The distribution spec's error answers -> oci::Error: the body's
// {"errors":[{"code":"MANIFEST_UNKNOWN","message":"...","detail":...}]} when there is one,
// else a code from the HTTP status.
#pragma once

#include <optional>
#include <string_view>

#include "oci/error.h"

namespace client {

// The first error of a spec error body; nullopt when `body` is not one. Codes this enum lacks
// (TAG_INVALID, MANIFEST_UNVERIFIED, a registry's own) become `unknown_code` and keep their
// name in the message.
std::optional<oci::Error> parse_error_body(std::string_view body,
                                           oci::ErrorCode unknown_code = oci::ErrorCode::kInternal);

// The error for a failed request: the body's spec error when it has one, else the code the
// status implies (401 kUnauthorized, 403 kDenied, 404 kNotFound, 416 kRangeInvalid,
// 429 kTooManyRequests, 405 kUnsupported, others kInternal). The message names the method,
// the URL and the status.
oci::Error error_from_response(std::string_view method, std::string_view url, long status,
                               std::string_view body);

}  // namespace client
