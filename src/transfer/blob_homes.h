// Where a run has seen each blob at each registry: a repository there that holds it. A
// destination repository that lacks a blob another repository of the same registry got (or
// had) earlier in the run mounts it from there instead of being sent the bytes again, so
// images in different repositories that share a base layer read it from the source once.
// One table per run (sync_run.cc makes it): it holds one entry per (registry, blob).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "oci/digest.h"

namespace transfer {

class BlobHomes {
 public:
  // `scope` is ImageStore::MountPoint's.
  void record(const std::string& scope, const oci::Digest& digest, std::string repository);
  std::optional<std::string> find(const std::string& scope, const oci::Digest& digest) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> homes_;  // "<scope> <digest>" -> repository
};

}  // namespace transfer
