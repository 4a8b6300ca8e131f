// A capability (see capabilities.h) of drivers whose interrupted writes leave temporary files
// behind, beside their targets, under names no driver path can hold (a local file system's
// atomic replacement, sys/atomic_file.h): garbage collection finds and removes them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/driver.h"

namespace storage {

struct TemporaryFile {
  std::string path;  // as temporaries() gives it; only remove_temporary() takes it
  std::uint64_t size = 0;
  std::int64_t modified_unix = 0;
};

class TemporaryFilesDriver {
 public:
  virtual ~TemporaryFilesDriver() = default;
  // The temporary files anywhere under `directory` (a driver path); none when it is missing.
  virtual Result<std::vector<TemporaryFile>> temporaries(std::string_view directory) = 0;
  // Removes one that temporaries() listed; removing a missing one succeeds.
  virtual Result<void> remove_temporary(const TemporaryFile& file) = 0;
};

inline TemporaryFilesDriver* temporary_files(Driver& driver) {
  return dynamic_cast<TemporaryFilesDriver*>(&driver);
}

}  // namespace storage
