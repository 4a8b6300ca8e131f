// The requests verify sends, each at most once: a manifest GET per (registry, repository,
// reference) and a blob HEAD per (registry, repository, digest), shared by every image that
// needs them (a blob in one repository says nothing of another). Clients are made as the
// node's container runtime makes them: the node's certs.d directories as CA roots for each
// host, TLS verified unless registries.conf marks the source insecure, credentials from the
// node's pull secret only. A host that cannot be reached, or whose certificate is not
// trusted, is asked once: later requests get the same answer. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/registry_client.h"
#include "oci/digest.h"
#include "verify/once_map.h"
#include "verify/probes.h"
#include "verify/verdict.h"

namespace verify {

struct NodeTrust {
  std::vector<std::filesystem::path> certs_d_roots{};  // searched as containers/image does
  std::optional<std::filesystem::path> pull_secret{};  // containers-auth.json; none: anonymous
  client::RetryPolicy retry;
  // Shorter than a transfer's default: a host that drops packets costs this per request
  // until it is remembered as UNREACHABLE.
  std::chrono::milliseconds connect_timeout{10'000};
};

class RegistryProbes final : public Probes {
 public:
  explicit RegistryProbes(NodeTrust trust);
  ~RegistryProbes() override;
  RegistryProbes(const RegistryProbes&) = delete;
  RegistryProbes& operator=(const RegistryProbes&) = delete;

  // GET of a manifest by tag or digest (the body's digest reported, not checked).
  ManifestProbe manifest(const SourceRepository& source, std::string_view reference) override;
  // HEAD of a blob.
  Probe blob(const SourceRepository& source, const oci::Digest& digest) override;
  // Every tag of the repository (for sync.yaml's tag filters).
  oci::Result<std::vector<std::string>> tags(const SourceRepository& source) override;

  // The client for the source's host, as the probes use it (for the signature reads).
  oci::Result<std::shared_ptr<client::RegistryClient>> client(const SourceRepository& source) {
    return client_for(source);
  }

  // Requests sent (a manifest GET, a blob HEAD, a tag list), not counting authentication
  // round trips and retries inside the client.
  std::int64_t requests() const { return requests_.load(); }
  // Requests a perfect run needs: one per distinct (source, piece) asked, and the tag lists.
  std::int64_t distinct_pieces() const;

 private:
  oci::Result<std::shared_ptr<client::RegistryClient>> client_for(const SourceRepository& source);
  // A remembered TLS or connection failure of the source's host.
  std::optional<Probe> host_failure(const SourceRepository& source);
  void remember_host_failure(const SourceRepository& source, const Probe& probe);

  NodeTrust trust_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<client::RegistryClient>> clients_;
  std::map<std::string, Probe> host_failures_;
  OnceMap<ManifestProbe> manifests_;
  OnceMap<Probe> blobs_;
  std::atomic<std::int64_t> requests_{0};
  std::atomic<std::int64_t> tag_lists_{0};
};

}  // namespace verify
