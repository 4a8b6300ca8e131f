// Pull-through mirror mode: the repositories inside an upstream's namespace are filled on
// demand from that upstream.
//
// - Blobs: one BlobFetch per (repository, digest) at a time, however many requests ask
//   meanwhile; each streams from it as the bytes arrive (blob_fetch.h).
// - Manifests: one fetch per (repository, reference) at a time, every waiter gets its result.
//   A digest is immutable: stored once, kept. A tag is checked with a HEAD upstream once it
//   is older than the upstream's tag_ttl (tag_freshness.h); when the upstream fails, the
//   cached manifest is served (stale-if-error) and a log line says so.
// - Every network call runs on this object's own worker threads, and so do the registry
//   calls of a fetch; results reach the caller through callbacks.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/sink.h"
#include "mirror/blob_fetch.h"
#include "mirror/cluster_lease.h"
#include "mirror/tag_freshness.h"
#include "mirror/upstream.h"
#include "mirror/upstream_health.h"
#include "mirror/upstream_sources.h"
#include "mirror/worker_pool.h"
#include "nodeconf/registries_conf.h"
#include "registry/registry.h"
#include "storage/driver.h"
#include "transfer/open_store.h"

namespace mirror {

struct PullThroughOptions {
  // The node-side view of the upstreams: reach them through their own mirrors. May be null.
  const nodeconf::RegistriesConf* registries_conf = nullptr;
  // Blob fetches at once; more wait for a worker. Manifests have their own few workers.
  std::size_t blob_workers = 16;
  std::size_t manifest_workers = 4;
  // Local scratch space for the readers' copy of blobs being fetched, used only when the
  // registry's storage shows an upload's bytes once complete (object storage); "" = the
  // system's temporary directory.
  std::filesystem::path spool_directory;
  // Leases in the database the cluster's processes share, so that one of them fetches a blob
  // while the others wait for it; none: this process coalesces its own fetches only.
  std::optional<LeaseCalls> leases;
  LeaseTiming lease_timing;
  // Told of each manifest and blob fetched from an upstream and stored (mirror.fetch); may be
  // null.
  events::Sink* events = nullptr;
};

struct UpstreamStatus {
  const Upstream* upstream;
  HealthSnapshot health;
  std::optional<std::uint64_t> cached_bytes;  // of the blobs its namespace holds; nullopt: unknown
};

class PullThrough {
 public:
  using ManifestDone = std::function<void(oci::Result<registry::ManifestContent>)>;

  PullThrough(UpstreamTable table, registry::Registry& registry, PullThroughOptions options);
  ~PullThrough();
  PullThrough(const PullThrough&) = delete;
  PullThrough& operator=(const PullThrough&) = delete;

  // Abandons the fetches in progress and those waiting for a worker, waits for the
  // workers, and gives every waiter its answer (an error) before returning: the server
  // calls it once its threads stopped, so that no callback outlives them.
  void stop();

  // nullopt: a local repository.
  std::optional<UpstreamMatch> match(std::string_view repository) const {
    return table_.match(repository);
  }

  // A cached manifest may be served as it is: a digest always, a tag while it is fresh.
  bool serve_cached(const UpstreamMatch& match, std::string_view repository,
                    std::string_view reference) const;
  // The manifest, fetched, revalidated or served stale as freshness and the upstream allow.
  // `done` runs once, on a worker thread.
  void manifest(const UpstreamMatch& match, std::string repository, std::string reference,
                ManifestDone done);
  // The fetch of a blob the repository does not link: the one in progress, or a new one.
  std::shared_ptr<BlobFetch> blob(const UpstreamMatch& match, std::string repository,
                                  oci::Digest digest);
  // Tags at the upstream that its tag rules allow; `done` runs once, on a worker thread.
  void tags(const UpstreamMatch& match,
            std::function<void(oci::Result<std::vector<std::string>>)> done);

  // The referrers of `subject` at the upstream (its referrers API, else the tag schema);
  // `done` runs once, on a worker thread.
  void referrers(const UpstreamMatch& match, oci::Digest subject,
                 std::function<void(oci::Result<std::vector<oci::Descriptor>>)> done);

  void hit(const UpstreamMatch& match);
  // Blocks: the cached bytes come from the metadata store.
  std::vector<UpstreamStatus> status() const;

 private:
  struct Upstreams;  // sources and health per upstream

  oci::Result<registry::ManifestContent> fetch_manifest(const UpstreamMatch& match,
                                                        const std::string& repository,
                                                        const std::string& reference);
  oci::Result<registry::ManifestContent> revalidate_tag(const UpstreamMatch& match,
                                                        const std::string& repository,
                                                        const std::string& tag);
  oci::Result<registry::ManifestContent> store_from_upstream(const UpstreamMatch& match,
                                                             const std::string& repository,
                                                             const std::string& reference,
                                                             const std::string& upstream_ref);
  UpstreamSources& sources_of(const Upstream& upstream);
  UpstreamHealth& health_of(const Upstream& upstream);
  // Records the outcome of a call to the upstream in its health.
  void note(const Upstream& upstream, const oci::Error* error);

  UpstreamTable table_;
  registry::Registry& registry_;
  events::Sink* const events_;
  transfer::StoreOpener opener_;
  std::unique_ptr<Upstreams> upstreams_;
  std::unique_ptr<storage::Driver> spool_;  // readers' copies of fetches; null when not needed
  std::optional<LeaseContext> cluster_;
  TagFreshness freshness_;
  std::atomic<bool> stopping_{false};

  std::mutex mutex_;
  std::map<std::string, std::vector<ManifestDone>, std::less<>> manifest_waiters_;
  std::map<std::string, std::shared_ptr<BlobFetch>, std::less<>> blob_fetches_;

  // Last: destroyed first, so no job outlives what it uses.
  WorkerPool manifest_workers_;
  WorkerPool blob_workers_;
};

}  // namespace mirror
