#include "transfer/upload_journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace transfer {
namespace {

namespace fs = std::filesystem;

oci::Result<void> make_private_dirs(const fs::path& dir) {
  std::error_code ec;
  if (dir.empty() || fs::is_directory(dir, ec)) return {};
  if (oci::Result<void> parent = make_private_dirs(dir.parent_path()); !parent) return parent;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "creating " + dir.string() + ": " + std::strerror(errno));
  }
  return {};
}

oci::Error io_error(std::string_view what, const fs::path& path) {
  return oci::Error{oci::ErrorCode::kInternal, std::string("upload journal: ")
                                                   .append(what)
                                                   .append(" ")
                                                   .append(path.string())
                                                   .append(": ")
                                                   .append(std::strerror(errno))};
}

}  // namespace

fs::path UploadJournal::entry(std::string_view host, std::string_view repository,
                              const oci::Digest& digest) const {
  const std::string key =
      std::string(host).append("/").append(repository).append("@").append(digest.str());
  return dir_ / oci::digest_of(key).hex();
}

std::optional<std::string> UploadJournal::find(std::string_view host, std::string_view repository,
                                               const oci::Digest& digest) const {
  std::ifstream in(entry(host, repository, digest), std::ios::binary);
  if (!in) return std::nullopt;
  std::string location;
  std::getline(in, location);
  if (location.empty()) return std::nullopt;
  return location;
}

oci::Result<void> UploadJournal::record(std::string_view host, std::string_view repository,
                                        const oci::Digest& digest,
                                        std::string_view location) const {
  if (oci::Result<void> made = make_private_dirs(dir_); !made) return made;
  const fs::path path = entry(host, repository, digest);
  std::string tmp = path.string() + ".XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return std::unexpected(io_error("creating a temporary file for", path));
  std::string text = std::string(location).append("\n");
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      oci::Error error = io_error("writing", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return std::unexpected(std::move(error));
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  // No fsync: losing an entry in a crash only means the blob is sent again.
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    oci::Error error = io_error("renaming to", path);
    ::unlink(tmp.c_str());
    return std::unexpected(std::move(error));
  }
  return {};
}

void UploadJournal::forget(std::string_view host, std::string_view repository,
                           const oci::Digest& digest) const {
  std::error_code ec;
  fs::remove(entry(host, repository, digest), ec);
}

}  // namespace transfer
