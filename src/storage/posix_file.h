// The few POSIX file operations the filesystem driver needs, with EINTR, short transfers and
// durability (fsync of files and of the directories that name them) handled in one place.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>
#include <utility>

#include "oci/error.h"

namespace storage::posix {

// Owns a file descriptor; closes it when dropped.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  ~UniqueFd();

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset();

 private:
  int fd_ = -1;
};

// An error for `operation` on `path` from errno value `error`: kNotFound for ENOENT and
// ENOTDIR, kInternal otherwise.
std::unexpected<oci::Error> os_error(std::string_view operation, const std::filesystem::path& path,
                                     int error);

oci::Result<UniqueFd> open_file(const std::filesystem::path& path, int flags);
oci::Result<std::size_t> read_some(int fd, std::span<std::byte> buffer,
                                   const std::filesystem::path& path);
oci::Result<void> write_all(int fd, std::span<const std::byte> bytes,
                            const std::filesystem::path& path);
oci::Result<void> sync_file(int fd, const std::filesystem::path& path);
// Asks the kernel to start writing [offset, offset + length) to disk without waiting. A hint:
// a large file written this way as it grows finds little left to do at fsync, instead of
// gigabytes of dirty pages written while the caller waits.
void start_writeback(int fd, std::uint64_t offset, std::uint64_t length);
oci::Result<void> sync_directory(const std::filesystem::path& directory);

// mkdir -p of `directory` below the existing `base`; each directory created is made durable
// by syncing its parent.
oci::Result<void> create_directories(const std::filesystem::path& base,
                                     const std::filesystem::path& directory);

struct TemporaryFile {
  UniqueFd fd;
  std::filesystem::path path;
};
// A new file in `directory` whose name contains '~', so that it is never a valid driver path.
oci::Result<TemporaryFile> create_temporary_file(const std::filesystem::path& directory);

}  // namespace storage::posix
