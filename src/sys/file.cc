#include "sys/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace sys {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() { reset(); }

void UniqueFd::reset() {
  // close(2) must not be retried on EINTR on Linux: the descriptor is released either way.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<UniqueFd> open_file(const std::filesystem::path& path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int error = errno;
    auto failed = os_error("open", path, error);
    errno = error;  // for callers that tell EEXIST apart
    return failed;
  }
  return UniqueFd(fd);
}

Result<std::size_t> read_some(int fd, std::span<std::byte> buffer,
                              const std::filesystem::path& path) {
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return os_error("read", path, errno);
  }
}

Result<void> write_all(int fd, std::span<const std::byte> bytes,
                       const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return os_error("write", path, errno);
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

Result<std::uint64_t> regular_file_size(int fd, const std::filesystem::path& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return os_error("fstat", path, errno);
  if (!S_ISREG(info.st_mode)) return fail(Errc::kNotFound, "not a file: " + path.string());
  return static_cast<std::uint64_t>(info.st_size);
}

Result<void> truncate_file(int fd, std::uint64_t size, const std::filesystem::path& path) {
  while (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    if (errno != EINTR) return os_error("truncate", path, errno);
  }
  return {};
}

Result<void> seek_to(int fd, std::uint64_t offset, const std::filesystem::path& path) {
  if (::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) return os_error("seek", path, errno);
  return {};
}

Result<void> sync_file(int fd, const std::filesystem::path& path) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return os_error("fsync", path, errno);
  }
  return {};
}

void start_writeback(int fd, std::uint64_t offset, std::uint64_t length) {
  // Errors (a file system without it, a full queue) only lose the hint.
  (void)::sync_file_range(fd, static_cast<off64_t>(offset), static_cast<off64_t>(length),
                          SYNC_FILE_RANGE_WRITE);
}

Result<void> sync_directory(const std::filesystem::path& directory) {
  auto fd = open_file(directory, O_RDONLY | O_DIRECTORY);
  if (!fd) return std::unexpected(std::move(fd.error()));
  return sync_file(fd->get(), directory);
}

namespace {

std::filesystem::path directory_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

}  // namespace

Result<void> rename_durably(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return os_error("rename " + from.string() + " to", to, errno);
  }
  if (auto synced = sync_directory(directory_of(to)); !synced) return synced;
  if (directory_of(from) == directory_of(to)) return {};
  return sync_directory(directory_of(from));
}

}  // namespace sys
