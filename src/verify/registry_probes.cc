#include "verify/registry_probes.h"

#include <fmt/format.h>

#include "client/auth_file.h"
#include "client/certs_d.h"
#include "verify/error_status.h"

namespace verify {
namespace {

std::string client_key(const SourceRepository& source) {
  return fmt::format("{}\n{}", source.host, source.insecure);
}

Probe probe_of(const oci::Error& error) { return Probe{status_of(error), error.message}; }

bool is_host_wide(Status status) {
  return status == Status::kUntrusted || status == Status::kUnreachable;
}

}  // namespace

RegistryProbes::RegistryProbes(NodeTrust trust) : trust_(std::move(trust)) {}

RegistryProbes::~RegistryProbes() = default;

oci::Result<std::shared_ptr<client::RegistryClient>> RegistryProbes::client_for(
    const SourceRepository& source) {
  const std::string key = client_key(source);
  std::lock_guard lock(mutex_);
  if (const auto it = clients_.find(key); it != clients_.end()) return it->second;
  client::RegistryOptions options;
  options.host = source.host;
  options.insecure = source.insecure;
  options.retry = trust_.retry;
  options.connect_timeout = trust_.connect_timeout;
  oci::Result<client::TlsTrust> tls =
      client::tls_trust_for(source.host, std::nullopt, trust_.certs_d_roots);
  if (!tls) return std::unexpected(tls.error());
  options.trust = std::move(*tls);
  if (trust_.pull_secret) {
    oci::Result<client::CredentialLookup> lookup =
        client::auth_file_lookup({client::AuthFilePath{*trust_.pull_secret}}, source.host);
    if (!lookup) return std::unexpected(lookup.error());
    options.credentials = std::move(*lookup);
  }
  auto made = std::make_shared<client::RegistryClient>(std::move(options));
  clients_.emplace(key, made);
  return made;
}

std::optional<Probe> RegistryProbes::host_failure(const SourceRepository& source) {
  std::lock_guard lock(mutex_);
  if (const auto it = host_failures_.find(client_key(source)); it != host_failures_.end()) {
    return it->second;
  }
  return std::nullopt;
}

void RegistryProbes::remember_host_failure(const SourceRepository& source, const Probe& probe) {
  if (!is_host_wide(probe.status)) return;
  std::lock_guard lock(mutex_);
  host_failures_.emplace(client_key(source), probe);
}

ManifestProbe RegistryProbes::manifest(const SourceRepository& source, std::string_view reference) {
  const std::string key =
      fmt::format("{}\n{}\n{}", client_key(source), source.repository, reference);
  return manifests_.get(key, [&]() -> ManifestProbe {
    const auto failed = [](const Probe& probe) {
      return ManifestProbe{.status = probe.status, .reason = probe.reason};
    };
    if (auto known = host_failure(source)) return failed(*known);
    auto client = client_for(source);
    if (!client) return failed(Probe{Status::kError, client.error().message});
    ++requests_;
    // The digest is judged by the caller: a node pulls from a source that answers 200.
    auto fetched = (*client)->get_manifest(source.repository, reference,
                                           client::RegistryClient::DigestCheck::kReport);
    if (!fetched) {
      const Probe probe = probe_of(fetched.error());
      remember_host_failure(source, probe);
      return failed(probe);
    }
    return ManifestProbe{.status = Status::kOk,
                         .body = std::move(fetched->body),
                         .media_type = std::move(fetched->media_type),
                         .digest = fetched->digest.str()};
  });
}

Probe RegistryProbes::blob(const SourceRepository& source, const oci::Digest& digest) {
  const std::string key =
      fmt::format("{}\n{}\n{}", client_key(source), source.repository, digest.str());
  return blobs_.get(key, [&]() -> Probe {
    if (auto known = host_failure(source)) return *known;
    auto client = client_for(source);
    if (!client) return Probe{Status::kError, client.error().message};
    ++requests_;
    auto head = (*client)->head_blob(source.repository, digest);
    if (!head) {
      const Probe probe = probe_of(head.error());
      remember_host_failure(source, probe);
      return probe;
    }
    if (!*head) {
      return Probe{Status::kMissing,
                   fmt::format("blob {} not found in {}", digest.str(), source.location())};
    }
    return Probe{};
  });
}

oci::Result<std::vector<std::string>> RegistryProbes::tags(const SourceRepository& source) {
  if (auto known = host_failure(source)) return oci::fail(oci::ErrorCode::kInternal, known->reason);
  auto client = client_for(source);
  if (!client) return std::unexpected(client.error());
  ++requests_;
  ++tag_lists_;
  auto listed = (*client)->list_tags(source.repository);
  if (!listed) remember_host_failure(source, probe_of(listed.error()));
  return listed;
}

std::int64_t RegistryProbes::distinct_pieces() const {
  return static_cast<std::int64_t>(manifests_.size() + blobs_.size()) + tag_lists_.load();
}

}  // namespace verify
