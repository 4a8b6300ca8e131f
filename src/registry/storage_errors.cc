#include "registry/storage_errors.h"

#include <string>

namespace registry {

oci::Error from_storage(sys::Error error) {
  const oci::ErrorCode code = [&] {
    switch (error.code) {
      case sys::Errc::kNotFound:
        return oci::ErrorCode::kNotFound;
      case sys::Errc::kInvalidRange:
        return oci::ErrorCode::kRangeInvalid;
      case sys::Errc::kTooLarge:
        return oci::ErrorCode::kSizeInvalid;
      case sys::Errc::kPathEscape:
      case sys::Errc::kInvalid:
      case sys::Errc::kIo:
        break;
    }
    return oci::ErrorCode::kInternal;
  }();
  return oci::Error{code, "storage: " + std::move(error.message)};
}

}  // namespace registry
