#include "sys/directories.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>

#include "sys/file.h"

namespace sys {
namespace {

enum class Made { kCreated, kExisted, kParentMissing };

Result<Made> make_directory(const std::filesystem::path& directory, mode_t mode) {
  if (::mkdir(directory.c_str(), mode) == 0) return Made::kCreated;
  const int error = errno;
  if (error == ENOENT) return Made::kParentMissing;
  struct stat info {};
  if (error == EEXIST && ::stat(directory.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    return Made::kExisted;
  }
  // Even ENOTDIR or EEXIST is an I/O error here: a file stands where a directory must go.
  return fail(Errc::kIo,
              "mkdir " + directory.string() + ": " + std::system_category().message(error));
}

}  // namespace

Result<void> create_directories(const std::filesystem::path& directory, mode_t mode) {
  // Tried from the bottom up, so that the common case (the parent exists) costs one mkdir.
  std::filesystem::path target = directory.lexically_normal();
  if (!target.has_filename()) target = target.parent_path();  // "a/b/" is "a/b"
  if (target.empty() || target == target.root_path()) return {};
  auto made = make_directory(target, mode);
  if (!made) return std::unexpected(std::move(made.error()));
  const std::filesystem::path parent =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  if (*made == Made::kParentMissing) {
    if (auto parents = create_directories(parent, mode); !parents) return parents;
    made = make_directory(target, mode);
    if (!made) return std::unexpected(std::move(made.error()));
    if (*made == Made::kParentMissing) {
      return fail(Errc::kNotFound, "mkdir " + target.string() + ": parent vanished");
    }
  }
  if (*made == Made::kCreated) return sync_directory(parent);
  return {};
}

Result<std::filesystem::path> create_temporary_directory(const std::filesystem::path& parent,
                                                         std::string_view prefix) {
  std::string pattern = (parent / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) return os_error("mkdtemp", pattern, errno);
  return std::filesystem::path(pattern);
}

}  // namespace sys
