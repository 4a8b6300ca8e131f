#include "storage/open_driver.h"

#include "storage/filesystem_driver.h"
#include "storage/s3_driver.h"

namespace storage {

Result<std::unique_ptr<Driver>> open_driver(const StorageOptions& options) {
  if (!options.s3) return make_filesystem_driver(options.root);
  return make_s3_driver(*options.s3,
                        options.spool.empty() ? options.root / "spool" : options.spool);
}

}  // namespace storage
