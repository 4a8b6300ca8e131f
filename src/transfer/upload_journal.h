// Where chunked uploads in progress are remembered between runs, so that an interrupted
// copy resumes a large blob instead of sending it again: one small file per blob upload,
// named sha256("<host>/<repository>@<digest>"), holding the upload's location URL. Written
// atomically; removed when the blob is committed or the registry forgot the session.
// Safe to use from several threads and processes (each entry is one file, replaced by rename).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "oci/digest.h"
#include "oci/error.h"

namespace transfer {

class UploadJournal {
 public:
  // The directory is created (mode 0700) on the first record().
  explicit UploadJournal(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path& dir() const { return dir_; }

  // The location journalled for this blob upload; nullopt when there is none (or it is
  // unreadable: the upload then simply starts over).
  std::optional<std::string> find(std::string_view host, std::string_view repository,
                                  const oci::Digest& digest) const;
  oci::Result<void> record(std::string_view host, std::string_view repository,
                           const oci::Digest& digest, std::string_view location) const;
  void forget(std::string_view host, std::string_view repository, const oci::Digest& digest) const;

 private:
  std::filesystem::path entry(std::string_view host, std::string_view repository,
                              const oci::Digest& digest) const;

  std::filesystem::path dir_;
};

}  // namespace transfer
