// Exclusive use of an upload across every process sharing the database (a PostgreSQL one:
// metadata::Store::shared(); with SQLite, one process's UploadHashes lease is enough, and a
// restarted process continues its uploads at once). Two replicas
// appending to one upload at once would each record the running hash of their own bytes while
// storage keeps the other's, and the upload could then complete under a digest its bytes do
// not have. So a request appending to an upload holds a lease on it in the database
// (metadata::Store::acquire_lease) from the start of the append to its end, renewed while
// bytes arrive; a second one is refused. The lease of a process that died lapses after
// kTtl, and the upload can be continued elsewhere from then on.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "metadata/store.h"
#include "oci/error.h"

namespace registry {

class UploadClaim {
 public:
  static constexpr std::chrono::milliseconds kTtl{10'000};
  static constexpr std::chrono::milliseconds kRenewEvery{3'000};

  // kBlobUploadInvalid when another request (in this process or another) holds the upload.
  static oci::Result<UploadClaim> take(metadata::Store& store, std::string_view holder,
                                       std::string_view upload_id);
  UploadClaim(UploadClaim&& other) noexcept;
  UploadClaim& operator=(UploadClaim&&) = delete;
  UploadClaim(const UploadClaim&) = delete;
  ~UploadClaim();

  // Renews the lease when the last renewal is older than kRenewEvery; kBlobUploadInvalid
  // when it lapsed and another request took the upload over meanwhile.
  oci::Result<void> keep();

 private:
  UploadClaim(metadata::Store& store, std::string holder, std::string name);

  metadata::Store* store_;
  std::string holder_;
  std::string name_;  // "" once moved from
  std::chrono::steady_clock::time_point renewed_;
};

}  // namespace registry
