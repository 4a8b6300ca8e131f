#include "storage/s3_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

namespace storage {

sys::Result<Spool> Spool::create(const std::filesystem::path& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return sys::os_error("create spool directory", directory, error.value());
  std::string path = (directory / (std::string(kSpoolFilePrefix) + "XXXXXX")).string();
  const int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return sys::os_error("create spool file in", directory, errno);
  return Spool(fd, path);
}

Spool::Spool(Spool&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), size_(other.size_) {}

Spool& Spool::operator=(Spool&& other) noexcept {
  Spool taken(std::move(other));
  swap(*this, taken);
  return *this;
}

void swap(Spool& a, Spool& b) noexcept {
  std::swap(a.fd_, b.fd_);
  std::swap(a.path_, b.path_);
  std::swap(a.size_, b.size_);
}

Spool::~Spool() {
  if (fd_ < 0) return;
  ::close(fd_);
  ::unlink(path_.c_str());
}

sys::Result<void> Spool::append(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(size_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys::os_error("write spool file", path_, errno);
    size_ += static_cast<std::uint64_t>(n);
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

sys::Result<void> Spool::clear() {
  if (::ftruncate(fd_, 0) != 0) return sys::os_error("truncate spool file", path_, errno);
  size_ = 0;
  return {};
}

}  // namespace storage
