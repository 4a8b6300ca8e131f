#include "transfer/small_file.h"

#include <algorithm>

#include "sys/atomic_file.h"
#include "sys/small_file.h"

namespace transfer {

oci::Error from_file_error(sys::Error error) {
  const oci::ErrorCode code = [&] {
    switch (error.code) {
      case sys::Errc::kNotFound:
        return oci::ErrorCode::kNotFound;
      case sys::Errc::kInvalidRange:
        return oci::ErrorCode::kRangeInvalid;
      case sys::Errc::kTooLarge:
        return oci::ErrorCode::kSizeInvalid;
      case sys::Errc::kPathEscape:
        return oci::ErrorCode::kDenied;
      case sys::Errc::kInvalid:
        return oci::ErrorCode::kUnsupported;
      case sys::Errc::kIo:
        break;
    }
    return oci::ErrorCode::kInternal;
  }();
  // Not-found and I/O messages already say what happened ("open X: No such file...").
  const bool plain = error.code == sys::Errc::kNotFound || error.code == sys::Errc::kIo;
  return oci::Error{code, plain ? std::move(error.message)
                                : std::string(sys::describe(error.code)) + ": " + error.message};
}

oci::Result<std::string> read_small_file(const std::filesystem::path& path, std::int64_t max_size) {
  auto text =
      sys::read_small_file(path, static_cast<std::uint64_t>(std::max<std::int64_t>(max_size, 0)));
  if (!text) return file_failure(std::move(text.error()));
  return std::move(*text);
}

oci::Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  if (auto written = sys::write_file_atomically(path, bytes); !written) {
    return file_failure(std::move(written.error()));
  }
  return {};
}

}  // namespace transfer
