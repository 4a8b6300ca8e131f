#include "client/private_dirs.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

namespace client {

oci::Result<void> make_private_dirs(const std::filesystem::path& dir) {
  std::error_code ec;
  if (dir.empty() || std::filesystem::is_directory(dir, ec)) return {};
  if (oci::Result<void> parent = make_private_dirs(dir.parent_path()); !parent) return parent;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "creating " + dir.string() + ": " + std::strerror(errno));
  }
  return {};
}

}  // namespace client
