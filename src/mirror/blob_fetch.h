// One upstream download of one blob into the cache, shared by every request for the blob
// while it runs: the bytes are written to an upload of the registry as they arrive, readers
// stream them from there as far as they are written, and the blob is linked only when its
// digest checks out. A failed fetch leaves nothing behind and tells every reader.
// On storage that shows an upload's bytes only once complete (object storage), the bytes also
// go to a local spool file, and readers stream that one until the blob is stored.
//
// Thread-safe. The fetch runs on one thread (run()); readers ask progress(), wait with
// when_changed() and read with open() from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/byte_stream.h"
#include "mirror/cluster_lease.h"
#include "oci/digest.h"
#include "oci/error.h"
#include "registry/registry.h"

namespace mirror {

class BlobFetch {
 public:
  struct Progress {
    std::optional<std::uint64_t> size;  // once the source said
    std::uint64_t written = 0;          // bytes readable with open()
    bool verified = false;              // every byte there, and they hash to the digest
    bool complete = false;              // verified, durable and linked: the blob is stored
    std::optional<oci::Error> error;    // failed: nothing was stored

    bool ended() const { return complete || error.has_value(); }
    // How many bytes of the range [offset, offset + length) a reader may pass on: all of
    // them once verified, never the range's last one before, so that no requester receives
    // a whole response (blob or range) the digest then refutes. Making the bytes durable and
    // linking them comes after: no requester waits for the fsync.
    std::uint64_t sendable(std::uint64_t offset, std::uint64_t length) const;
  };

  // Where the bytes come from: the blob's size (nullopt: the source does not have it), and
  // its bytes from an offset.
  struct Source {
    std::function<oci::Result<std::optional<std::uint64_t>>()> size;
    std::function<oci::Result<void>(std::uint64_t offset, const client::ByteSink& sink)> read;
  };

  // `spool`: where readers' copy of the bytes goes when the registry's uploads cannot be read
  // while written; null when they can. `cluster`: the leases that keep other processes
  // sharing the database from fetching the same blob at once; null when there are none.
  BlobFetch(registry::Registry& registry, std::string repository, oci::Digest digest,
            storage::Driver* spool = nullptr, const LeaseContext* cluster = nullptr);
  BlobFetch(const BlobFetch&) = delete;
  BlobFetch& operator=(const BlobFetch&) = delete;

  const std::string& repository() const { return repository_; }
  const oci::Digest& digest() const { return digest_; }

  Progress progress() const;
  // Calls `wake` once, as soon as the progress differs from `seen` (the size became known,
  // more bytes were written, they were verified, the fetch ended): at once on this thread when it
  // already does, else on the fetching thread. `wake` must not block.
  void when_changed(const Progress& seen, std::function<void()> wake);
  // A reader from `offset` (below the size) on the bytes written so far; it stays valid
  // after the blob is committed. Never read past what progress().sendable() allows.
  oci::Result<std::unique_ptr<storage::Reader>> open(std::uint64_t offset);

  // The fetch itself, once: a blob the repository links already completes at once without
  // the source, and one whose bytes another repository holds once the source confirmed its
  // size (it is linked, not downloaded). While another process of the cluster fetches the
  // same blob, this one waits for it to be stored instead. `keep_going` is asked between pieces;
  // false abandons the fetch (shutdown). Returns the bytes fetched from the source. The errors a
  // reader sees are as a requester should see them: not found stays BLOB_UNKNOWN, anything
  // else is the mirror's failure (UNKNOWN), never a code about the request itself.
  std::uint64_t run(const Source& source, const std::function<bool()>& keep_going);
  // Ends a fetch that will never run (the server stops): its readers get `error`.
  void abandon(const oci::Error& error);

 private:
  struct Waiter {
    Progress seen;
    std::function<void()> wake;
  };

  static bool differs(const Progress& now, const Progress& seen);
  // Applies `change` to the progress and wakes the waiters it concerns.
  void update(const std::function<void(Progress&)>& change);
  oci::Result<std::uint64_t> fetch(const Source& source, const std::function<bool()>& keep_going);

  // The readers' copy of the bytes on the spool, while the fetch runs.
  oci::Result<std::unique_ptr<storage::Writer>> start_spool(const std::string& upload_id);
  void drop_spool();

  registry::Registry& registry_;
  const std::string repository_;
  const oci::Digest digest_;
  storage::Driver* const spool_;
  const LeaseContext* const cluster_;

  mutable std::mutex mutex_;
  Progress progress_;
  std::vector<Waiter> waiters_;
  std::string upload_id_;   // while the bytes are in an upload
  std::string spool_path_;  // while readers read the spool ("" = they read the upload)
  bool committed_ = false;  // the bytes are the stored blob
};

}  // namespace mirror
