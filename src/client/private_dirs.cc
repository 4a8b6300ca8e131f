#include "client/private_dirs.h"

#include "sys/directories.h"

namespace client {

oci::Result<void> make_private_dirs(const std::filesystem::path& dir) {
  if (auto made = sys::create_private_directories(dir); !made) {
    return oci::fail(oci::ErrorCode::kInternal, made.error().message);
  }
  return {};
}

}  // namespace client
