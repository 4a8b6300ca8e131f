#include "transfer/upload_journal.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "client/private_dirs.h"
#include "transfer/small_file.h"

namespace transfer {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kMaxEntryBytes = std::int64_t{64} * 1024;  // a location URL

}  // namespace

fs::path UploadJournal::entry(std::string_view host, std::string_view repository,
                              const oci::Digest& digest) const {
  const std::string key =
      std::string(host).append("/").append(repository).append("@").append(digest.str());
  return dir_ / oci::digest_of(key).hex();
}

std::optional<std::string> UploadJournal::find(std::string_view host, std::string_view repository,
                                               const oci::Digest& digest) const {
  auto text = read_small_file(entry(host, repository, digest), kMaxEntryBytes);
  if (!text) return std::nullopt;
  std::string location = text->substr(0, text->find('\n'));
  if (location.empty()) return std::nullopt;
  return location;
}

oci::Result<void> UploadJournal::record(std::string_view host, std::string_view repository,
                                        const oci::Digest& digest,
                                        std::string_view location) const {
  if (oci::Result<void> made = client::make_private_dirs(dir_); !made) return made;
  const fs::path path = entry(host, repository, digest);
  if (auto written = write_file_atomically(path, std::string(location).append("\n")); !written) {
    return oci::fail(written.error().code, "upload journal: " + written.error().message);
  }
  return {};
}

void UploadJournal::forget(std::string_view host, std::string_view repository,
                           const oci::Digest& digest) const {
  std::error_code ec;
  fs::remove(entry(host, repository, digest), ec);
}

}  // namespace transfer
