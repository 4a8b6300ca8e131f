#include "verify/error_status.h"

#include "client/http_transport.h"

namespace verify {

Status status_of(const oci::Error& error) {
  switch (error.code) {
    case oci::ErrorCode::kUnauthorized:
    case oci::ErrorCode::kDenied:
      return Status::kDenied;
    case oci::ErrorCode::kManifestUnknown:
    case oci::ErrorCode::kBlobUnknown:
    case oci::ErrorCode::kNameUnknown:
    case oci::ErrorCode::kNotFound:
      return Status::kMissing;
    default:
      break;
  }
  switch (client::failure_kind_of(error.message)) {
    case client::FailureKind::kTls:
      return Status::kUntrusted;
    case client::FailureKind::kConnect:
      return Status::kUnreachable;
    default:
      return Status::kError;
  }
}

}  // namespace verify
