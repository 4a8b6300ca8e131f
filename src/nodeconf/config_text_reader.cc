#include "nodeconf/config_text_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace nodeconf {
namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::unexpected<ReadError> errno_error(std::string_view operation, const std::string& path) {
  const int saved = errno;
  return std::unexpected(
      ReadError{saved, std::string(operation) + " " + path + ": " + go_errno_text(saved)});
}

std::unexpected<ReadError> too_large(const std::string& path, std::uintmax_t max_bytes) {
  return std::unexpected(
      ReadError{0, "read " + path + ": larger than " + std::to_string(max_bytes >> 20) + " MiB"});
}

}  // namespace

std::string go_errno_text(int errno_value) {
  std::string text = std::strerror(errno_value);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') {
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  }
  return text;
}

std::expected<std::string, ReadError> read_config_text(const std::string& path,
                                                       std::uintmax_t max_bytes) {
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno_error("open", path);
  struct stat info {};
  if (::fstat(fd.get(), &info) == 0 && S_ISREG(info.st_mode) &&
      static_cast<std::uintmax_t>(info.st_size) > max_bytes) {
    return too_large(path, max_bytes);
  }
  std::string text;
  char buffer[64 * 1024];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read", path);
    if (n == 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
    // Sizes of special files are not known in advance.
    if (text.size() > max_bytes) return too_large(path, max_bytes);
  }
}

}  // namespace nodeconf
