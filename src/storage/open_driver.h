// The driver the server's config asks for: the filesystem under the storage root, or an S3
// bucket when storage.s3 is set.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "storage/driver.h"
#include "storage/s3_options.h"

namespace storage {

struct StorageOptions {
  std::filesystem::path root;
  std::optional<S3Options> s3;
  // Where S3 writers spool parts on local disk; "" = "<root>/spool".
  std::filesystem::path spool;
};

Result<std::unique_ptr<Driver>> open_driver(const StorageOptions& options);

}  // namespace storage
