#include "oci/error.h"

namespace oci {

std::string_view code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBlobUnknown:
      return "BLOB_UNKNOWN";
    case ErrorCode::kBlobUploadInvalid:
      return "BLOB_UPLOAD_INVALID";
    case ErrorCode::kBlobUploadUnknown:
      return "BLOB_UPLOAD_UNKNOWN";
    case ErrorCode::kDigestInvalid:
      return "DIGEST_INVALID";
    case ErrorCode::kManifestBlobUnknown:
      return "MANIFEST_BLOB_UNKNOWN";
    case ErrorCode::kManifestInvalid:
      return "MANIFEST_INVALID";
    case ErrorCode::kManifestUnknown:
      return "MANIFEST_UNKNOWN";
    case ErrorCode::kNameInvalid:
      return "NAME_INVALID";
    case ErrorCode::kNameUnknown:
      return "NAME_UNKNOWN";
    case ErrorCode::kPaginationNumberInvalid:
      return "PAGINATION_NUMBER_INVALID";
    case ErrorCode::kSizeInvalid:
      return "SIZE_INVALID";
    case ErrorCode::kUnauthorized:
      return "UNAUTHORIZED";
    case ErrorCode::kDenied:
      return "DENIED";
    case ErrorCode::kUnsupported:
      return "UNSUPPORTED";
    case ErrorCode::kTooManyRequests:
      return "TOOMANYREQUESTS";
    // A refused range reaches a client only on uploads (a blob GET's 416 has no body), where
    // the spec's code for it is BLOB_UPLOAD_INVALID.
    case ErrorCode::kRangeInvalid:
      return "BLOB_UPLOAD_INVALID";
    // Not in the spec; UNKNOWN is the name CNCF distribution sends for internal errors.
    case ErrorCode::kNotFound:
      return "NOT_FOUND";
    case ErrorCode::kInternal:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

}  // namespace oci
