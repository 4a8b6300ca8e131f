// POSIX file descriptors with EINTR and short transfers handled in one place. Every open is
// O_CLOEXEC, so that no descriptor leaks into a credential helper or other child process.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <utility>

#include "sys/error.h"

namespace sys {

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

// open(2) with O_CLOEXEC; `mode` applies when O_CREAT creates the file. On failure errno
// still holds the reason.
Result<UniqueFd> open_file(const std::filesystem::path& path, int flags, mode_t mode = 0644);
Result<std::size_t> read_some(int fd, std::span<std::byte> buffer,
                              const std::filesystem::path& path);
Result<void> write_all(int fd, std::span<const std::byte> bytes, const std::filesystem::path& path);
// The size of the regular file behind `fd`; kNotFound when it is something else.
Result<std::uint64_t> regular_file_size(int fd, const std::filesystem::path& path);
Result<void> truncate_file(int fd, std::uint64_t size, const std::filesystem::path& path);
Result<void> seek_to(int fd, std::uint64_t offset, const std::filesystem::path& path);

// fsync(2).
Result<void> sync_file(int fd, const std::filesystem::path& path);
// Asks the kernel to start writing [offset, offset + length) to disk without waiting. A hint:
// a large file written this way as it grows finds little left to do at fsync, instead of
// gigabytes of dirty pages written while the caller waits.
void start_writeback(int fd, std::uint64_t offset, std::uint64_t length);
// fsync of a directory, which makes the names created or renamed in it durable.
Result<void> sync_directory(const std::filesystem::path& directory);

// rename(2) replacing `to`, then the directories of both names synced: durable on return.
Result<void> rename_durably(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace sys
