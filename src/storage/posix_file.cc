#include "storage/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <system_error>

namespace storage::posix {

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

std::unexpected<oci::Error> os_error(std::string_view operation, const std::filesystem::path& path,
                                     int error) {
  const auto code =
      (error == ENOENT || error == ENOTDIR) ? oci::ErrorCode::kNotFound : oci::ErrorCode::kInternal;
  return oci::fail(code, std::string(operation) + " " + path.string() + ": " +
                             std::system_category().message(error));
}

namespace {

// open(2) with O_CLOEXEC, retried on EINTR; -1 with errno set on failure.
int open_cloexec(const std::filesystem::path& path, int flags) {
  int fd;
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

}  // namespace

oci::Result<UniqueFd> open_file(const std::filesystem::path& path, int flags) {
  const int fd = open_cloexec(path, flags);
  if (fd < 0) return os_error("open", path, errno);
  return UniqueFd(fd);
}

oci::Result<std::size_t> read_some(int fd, std::span<std::byte> buffer,
                                   const std::filesystem::path& path) {
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno != EINTR) return os_error("read", path, errno);
  }
}

oci::Result<void> write_all(int fd, std::span<const std::byte> bytes,
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

oci::Result<void> sync_file(int fd, const std::filesystem::path& path) {
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

oci::Result<void> sync_directory(const std::filesystem::path& directory) {
  auto fd = open_file(directory, O_RDONLY | O_DIRECTORY);
  if (!fd) return std::unexpected(std::move(fd.error()));
  return sync_file(fd->get(), directory);
}

namespace {

// Creates one directory whose parent exists; true when it was created, false when it existed.
oci::Result<bool> make_directory(const std::filesystem::path& directory) {
  if (::mkdir(directory.c_str(), 0755) == 0) return true;
  const int error = errno;
  struct stat info {};
  if (error == EEXIST && ::stat(directory.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    return false;
  }
  // Even ENOTDIR is an internal error here: a file stands where a directory must go.
  return oci::fail(oci::ErrorCode::kInternal,
                   "mkdir " + directory.string() + ": " + std::system_category().message(error));
}

}  // namespace

oci::Result<void> create_directories(const std::filesystem::path& base,
                                     const std::filesystem::path& directory) {
  std::filesystem::path current = base;
  for (const auto& component : directory.lexically_relative(base)) {
    if (component == ".") continue;
    const std::filesystem::path parent = current;
    current /= component;
    auto created = make_directory(current);
    if (!created) return std::unexpected(std::move(created.error()));
    if (*created) {
      if (auto synced = sync_directory(parent); !synced) return synced;
    }
  }
  return {};
}

oci::Result<TemporaryFile> create_temporary_file(const std::filesystem::path& directory) {
  static std::atomic<unsigned long> counter{0};
  // O_EXCL makes the name ours; a clash (a leftover from a crashed process) tries the next one.
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto path =
        directory / (".tmp~" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    const int fd = open_cloexec(path, O_WRONLY | O_CREAT | O_EXCL);
    if (fd >= 0) return TemporaryFile{UniqueFd(fd), std::move(path)};
    if (errno != EEXIST) return os_error("create", path, errno);
  }
  return oci::fail(oci::ErrorCode::kInternal, "no free temporary name in " + directory.string());
}

}  // namespace storage::posix
