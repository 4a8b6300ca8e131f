#include "sys/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <span>
#include <string>
#include <utility>

namespace sys {

Result<AtomicFile> AtomicFile::create(std::filesystem::path target, mode_t mode) {
  static std::atomic<unsigned long> counter{0};
  const std::filesystem::path directory =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  // O_EXCL makes the name ours; a clash (a leftover from a crashed process) tries the next one.
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto temporary = directory / (std::string(kTemporaryPrefix) + std::to_string(::getpid()) + "-" +
                                  std::to_string(++counter));
    auto fd = open_file(temporary, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd) return AtomicFile(std::move(*fd), std::move(temporary), std::move(target));
    if (errno != EEXIST) return std::unexpected(std::move(fd.error()));
  }
  return fail(Errc::kIo, "no free temporary name in " + directory.string());
}

AtomicFile::AtomicFile(UniqueFd fd, std::filesystem::path temporary, std::filesystem::path target)
    : fd_(std::move(fd)), temporary_(std::move(temporary)), target_(std::move(target)) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : fd_(std::move(other.fd_)),
      temporary_(std::move(other.temporary_)),
      target_(std::move(other.target_)),
      done_(std::exchange(other.done_, true)) {}

AtomicFile::~AtomicFile() {
  if (!done_) discard();
}

void AtomicFile::discard() {
  fd_.reset();
  ::unlink(temporary_.c_str());
  done_ = true;
}

Result<void> AtomicFile::commit() {
  if (done_) return fail(Errc::kIo, "commit of a finished file: " + target_.string());
  if (auto synced = sync_file(fd_.get(), temporary_); !synced) {
    discard();
    return synced;
  }
  fd_.reset();
  if (::rename(temporary_.c_str(), target_.c_str()) != 0) {
    auto failed = os_error("rename " + temporary_.string() + " to", target_, errno);
    discard();
    return failed;
  }
  done_ = true;
  return sync_directory(target_.has_parent_path() ? target_.parent_path()
                                                  : std::filesystem::path("."));
}

Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                                   mode_t mode) {
  auto file = AtomicFile::create(path, mode);
  if (!file) return std::unexpected(std::move(file.error()));
  if (auto written = write_all(file->fd(), std::as_bytes(std::span(bytes)), file->temporary_path());
      !written) {
    return written;
  }
  return file->commit();
}

}  // namespace sys
