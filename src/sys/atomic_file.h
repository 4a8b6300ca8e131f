// Replacing a file all at once: the content goes to a temporary file beside the target, is
// fsynced, renamed over the target, and the directory is fsynced. A reader sees the old or
// the new file, never a mix, and after a crash one of the two is there.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "sys/error.h"
#include "sys/file.h"

namespace sys {

// The names of AtomicFile's temporary files: one a crashed process left is such a name too.
inline constexpr std::string_view kTemporaryPrefix = ".tmp~";
inline bool is_temporary_name(std::string_view name) { return name.starts_with(kTemporaryPrefix); }

class AtomicFile {
 public:
  // A new temporary file in the directory of `target` (which must exist), named ".tmp~…" so
  // that it is never mistaken for a finished file; created with `mode` (before umask).
  static Result<AtomicFile> create(std::filesystem::path target, mode_t mode = 0644);
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  // Without commit, the temporary file is removed and the target left as it was.
  ~AtomicFile();

  // Where to write the content.
  int fd() const { return fd_.get(); }
  const std::filesystem::path& temporary_path() const { return temporary_; }

  // fsync, rename over the target, fsync of the directory. On failure the temporary file is
  // removed. The file may not be used afterwards.
  Result<void> commit();

 private:
  AtomicFile(UniqueFd fd, std::filesystem::path temporary, std::filesystem::path target);
  void discard();

  UniqueFd fd_;
  std::filesystem::path temporary_;
  std::filesystem::path target_;
  bool done_ = false;
};

// `bytes` as the whole content of `path`, through an AtomicFile.
Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                                   mode_t mode = 0644);

}  // namespace sys
