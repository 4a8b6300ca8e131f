#include "transfer/small_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <span>
#include <vector>

#include "storage/posix_file.h"

namespace transfer {

namespace posix = storage::posix;

oci::Result<std::string> read_small_file(const std::filesystem::path& path, std::int64_t max_size) {
  auto fd = posix::open_file(path, O_RDONLY);
  if (!fd) return std::unexpected(std::move(fd.error()));
  std::string text;
  std::vector<std::byte> buffer(std::size_t{64} * 1024);
  while (true) {
    auto n = posix::read_some(fd->get(), buffer, path);
    if (!n) return std::unexpected(std::move(n.error()));
    if (*n == 0) return text;
    text.append(reinterpret_cast<const char*>(buffer.data()), *n);
    if (static_cast<std::int64_t>(text.size()) > max_size) {
      return oci::fail(oci::ErrorCode::kManifestInvalid,
                       path.string() + ": larger than " + std::to_string(max_size) + " bytes");
    }
  }
}

oci::Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  auto temp = posix::create_temporary_file(path.parent_path());
  if (!temp) return std::unexpected(std::move(temp.error()));
  auto written = posix::write_all(temp->fd.get(), std::as_bytes(std::span(bytes)), temp->path);
  if (written) written = posix::sync_file(temp->fd.get(), temp->path);
  temp->fd.reset();
  if (written && ::rename(temp->path.c_str(), path.c_str()) != 0) {
    written = posix::os_error("rename", temp->path, errno);
  }
  if (!written) {
    ::unlink(temp->path.c_str());
    return written;
  }
  return posix::sync_directory(path.parent_path());
}

}  // namespace transfer
