// For the sync tests: registries in memory (repositories, tags, manifests, blobs shared
// per registry so that mounts work), opened as ImageStores, and images pushed into them.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "sync/sync_config.h"
#include "sync/sync_plan.h"
#include "transfer/copy_image.h"
#include "transfer/image_store.h"

namespace imagesync::testing {

class MemoryRegistry {
 public:
  std::unique_ptr<transfer::ImageStore> open(const std::string& repository);

  // An image of one config and the given layer contents; returns the manifest digest.
  std::string push_image(const std::string& repository, const std::string& tag,
                         const std::vector<std::string>& layers,
                         const std::string& platform = "linux/amd64");
  // An index over one image per platform (layers: "<platform>-layer"); returns its digest.
  std::string push_index(const std::string& repository, const std::string& tag,
                         const std::vector<std::string>& platforms);

  std::vector<std::string> tags(const std::string& repository) const;
  bool has_manifest(const std::string& repository, const std::string& digest) const;
  std::string tag_digest(const std::string& repository, const std::string& tag) const;
  std::size_t blob_count() const;
  void remove_blob(const std::string& digest);

  std::string host;  // set by MemoryRepositories
  // Fails every request to this registry with kInternal, as an unreachable one would.
  bool down = false;
  // Requests of any kind, and blob reads, that reached this registry.
  std::atomic<int> requests{0};
  std::atomic<int> blob_reads{0};

 private:
  friend class MemoryStore;
  struct Repository {
    std::map<std::string, std::pair<std::string, std::string>> manifests;  // digest -> body, type
    std::map<std::string, std::string> tags;
    std::set<std::string> blobs;
  };
  std::string put_blob(const std::string& repository, const std::string& bytes);
  mutable std::mutex mutex_;
  std::map<std::string, Repository> repositories_;
  std::map<std::string, std::string> blobs_;
};

// Routes "host/path" repositories to a MemoryRegistry per host.
class MemoryRepositories final : public RepositoryOpener {
 public:
  MemoryRegistry& registry(const std::string& host) {
    std::lock_guard lock(mutex_);
    MemoryRegistry& registry = registries_[host];
    registry.host = host;
    return registry;
  }
  oci::Result<std::unique_ptr<transfer::ImageStore>> open_source(
      const oci::Reference& repository) override;
  oci::Result<std::unique_ptr<transfer::ImageStore>> open_destination(
      const oci::Reference& repository, const Destination& destination) override;

 private:
  std::mutex mutex_;
  std::map<std::string, MemoryRegistry> registries_;
};

// sync.yaml text parsed, failing the test (and returning an empty config) when it is invalid.
SyncConfig config_of(const std::string& yaml);

}  // namespace imagesync::testing
