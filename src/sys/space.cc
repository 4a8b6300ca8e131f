#include "sys/space.h"

#include <sys/statvfs.h>

#include <cerrno>

namespace sys {

Result<std::uint64_t> free_space(const std::filesystem::path& path) {
  struct statvfs info {};
  if (::statvfs(path.c_str(), &info) != 0) return os_error("statvfs", path, errno);
  return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

}  // namespace sys
