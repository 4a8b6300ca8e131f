#include "server/error_response.h"

#include <nlohmann/json.hpp>

namespace server {

http::status status_for(oci::ErrorCode code) {
  using oci::ErrorCode;
  switch (code) {
    case ErrorCode::kBlobUnknown:
    case ErrorCode::kBlobUploadUnknown:
    case ErrorCode::kManifestUnknown:
    case ErrorCode::kNameUnknown:
    case ErrorCode::kNotFound:
      return http::status::not_found;
    case ErrorCode::kBlobUploadInvalid:
    case ErrorCode::kDigestInvalid:
    case ErrorCode::kManifestBlobUnknown:
    case ErrorCode::kManifestInvalid:
    case ErrorCode::kNameInvalid:
    case ErrorCode::kPaginationNumberInvalid:
      return http::status::bad_request;
    case ErrorCode::kSizeInvalid:
      return http::status::payload_too_large;
    case ErrorCode::kUnauthorized:
      return http::status::unauthorized;
    case ErrorCode::kDenied:
      return http::status::forbidden;
    case ErrorCode::kUnsupported:
      return http::status::method_not_allowed;
    case ErrorCode::kTooManyRequests:
      return http::status::too_many_requests;
    case ErrorCode::kRangeInvalid:
      return http::status::range_not_satisfiable;
    case ErrorCode::kInternal:
      break;
  }
  return http::status::internal_server_error;
}

std::string error_body(const oci::Error& error) {
  nlohmann::json entry = {{"code", oci::code_name(error.code)}, {"message", error.message}};
  entry["detail"] = error.detail.empty() ? nlohmann::json(nullptr) : nlohmann::json(error.detail);
  return nlohmann::json{{"errors", nlohmann::json::array({std::move(entry)})}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace server
