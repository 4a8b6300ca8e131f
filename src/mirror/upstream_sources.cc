#include "mirror/upstream_sources.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "nodeconf/resolution.h"
#include "oci/reference.h"
#include "transfer/resolved_sources.h"

namespace mirror {
namespace {

// Fewer and shorter retries than a copy's: a requester is waiting, and a cached tag is
// served when the upstream does not answer.
client::RetryPolicy upstream_retry() {
  client::RetryPolicy retry;
  retry.attempts = 3;
  retry.max_backoff = std::chrono::seconds(2);
  return retry;
}

std::string with_reference(std::string_view name, std::string_view reference) {
  // A digest has a ':' ("sha256:..."), a tag never does ("sha256-<hex>.sig" is a tag).
  const bool digest = reference.find(':') != std::string_view::npos;
  return fmt::format("{}{}{}", name, digest ? "@" : ":", reference);
}

}  // namespace

UpstreamSources::UpstreamSources(const Upstream& upstream, const nodeconf::RegistriesConf* conf,
                                 transfer::StoreOpener& opener)
    : upstream_(upstream), conf_(conf), opener_(opener) {}

transfer::AccessOptions UpstreamSources::access() const {
  const UpstreamAccess& given = upstream_.access;
  transfer::AccessOptions access;
  if (!given.auth_file.empty()) access.authfile = given.auth_file;
  if (given.username) access.credentials = client::Credentials{*given.username, given.password, {}};
  if (given.insecure || upstream_.plain_http()) access.tls_verify = false;
  if (!given.certs_dir.empty()) access.certs_d_roots = {given.certs_dir};
  access.ca_files = given.ca_files;
  access.registries_conf = conf_;
  access.retry = upstream_retry();
  return access;
}

oci::Result<std::shared_ptr<client::RegistryClient>> UpstreamSources::upstream_client() {
  return opener_.client_for(upstream_.host(), access());
}

oci::Result<std::unique_ptr<transfer::ImageStore>> UpstreamSources::open(
    std::string_view repository, std::string_view reference) {
  const std::string name = upstream_.host() + "/" + std::string(repository);
  if (conf_ == nullptr) {
    auto parsed = oci::Reference::parse(name);
    if (!parsed) return std::unexpected(parsed.error());
    return opener_.open_repository(*parsed, access());
  }
  const nodeconf::Resolution resolution =
      nodeconf::resolve(*conf_, nullptr, with_reference(name, reference));
  auto sources = transfer::open_resolved_sources(resolution, access(), opener_);
  if (!sources) return std::unexpected(sources.error());
  return std::unique_ptr<transfer::ImageStore>(std::move(*sources));
}

oci::Result<std::optional<client::ManifestHead>> UpstreamSources::head_tag(
    std::string_view repository, std::string_view tag) {
  auto client = upstream_client();
  if (!client) return std::unexpected(client.error());
  return (*client)->head_manifest(repository, tag);
}

oci::Result<std::optional<std::uint64_t>> UpstreamSources::blob_size(std::string_view repository,
                                                                     const oci::Digest& digest) {
  // The repositories to ask, in the resolver's order; the upstream alone without a conf.
  std::vector<std::pair<std::string, std::string>> places;  // host, repository
  if (conf_ != nullptr) {
    const std::string name = upstream_.host() + "/" + std::string(repository);
    const nodeconf::Resolution resolution =
        nodeconf::resolve(*conf_, nullptr, with_reference(name, digest.str()));
    for (const nodeconf::TransportAttempt& attempt : resolution.transport.attempts) {
      if (attempt.error) continue;
      places.emplace_back(attempt.source.reference.domain(), attempt.source.reference.path());
    }
  }
  if (places.empty()) places.emplace_back(upstream_.host(), repository);

  std::optional<oci::Error> last_error;
  for (const auto& [host, path] : places) {
    auto client = opener_.client_for(host, access());
    if (!client) return std::unexpected(client.error());
    auto size = (*client)->head_blob(path, digest);
    if (size && *size) return static_cast<std::uint64_t>(**size);
    if (!size) last_error = std::move(size.error());
  }
  if (last_error) return std::unexpected(std::move(*last_error));
  return std::nullopt;
}

oci::Result<std::vector<std::string>> UpstreamSources::tags(std::string_view repository) {
  auto client = upstream_client();
  if (!client) return std::unexpected(client.error());
  return (*client)->list_tags(repository);
}

}  // namespace mirror
