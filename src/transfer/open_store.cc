#include "transfer/open_store.h"

#include <cstdlib>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "client/auth_file.h"
#include "client/certs_d.h"
#include "nodeconf/prefix_match.h"
#include "transfer/layout_store.h"
#include "transfer/oci_archive.h"
#include "transfer/registry_store.h"
#include "transfer/transport_reference.h"
#include "transfer/upload_journal.h"

namespace transfer {
namespace {

namespace fs = std::filesystem;

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

fs::path default_state_dir() {
  if (const std::string state = env_or_empty("XDG_STATE_HOME"); !state.empty()) {
    return fs::path(state) / "regmirror";
  }
  return fs::path(env_or_empty("HOME")) / ".local/state/regmirror";
}

// Clients are shared when everything that shapes them is the same.
std::string client_key(std::string_view host, bool insecure, const AccessOptions& access) {
  std::string key = fmt::format("{}\n{}\n{}\n{}\n", host, insecure,
                                access.authfile ? access.authfile->string() : "-",
                                access.cert_dir ? access.cert_dir->string() : "-");
  if (access.credentials) {
    key += fmt::format("{}\n{}\n{}\n", access.credentials->username, access.credentials->password,
                       access.credentials->identity_token);
  }
  for (const fs::path& root : access.certs_d_roots) key += root.string() + "\n";
  for (const fs::path& ca : access.ca_files) key += "ca " + ca.string() + "\n";
  key += fmt::format("{}/{}/{}", access.retry.attempts, access.retry.initial_backoff.count(),
                     access.retry.max_backoff.count());
  return key;
}

}  // namespace

bool registry_insecure(std::string_view name, const AccessOptions& access) {
  if (access.tls_verify) return !*access.tls_verify;
  if (access.registries_conf == nullptr) return false;
  const nodeconf::Registry* registry =
      nodeconf::find_registry(access.registries_conf->registries, name);
  return registry != nullptr && registry->endpoint.insecure;
}

oci::Result<client::TlsTrust> registry_tls_trust(std::string_view host,
                                                 const AccessOptions& access) {
  const std::vector<fs::path> roots = access.certs_d_roots.empty()
                                          ? client::default_certs_d_roots(env_or_empty("HOME"))
                                          : access.certs_d_roots;
  oci::Result<client::TlsTrust> trust = client::tls_trust_for(host, access.cert_dir, roots);
  if (!trust) return std::unexpected(trust.error());
  trust->ca_files.insert(trust->ca_files.end(), access.ca_files.begin(), access.ca_files.end());
  return trust;
}

struct StoreOpener::Impl {
  fs::path state_dir;
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<client::RegistryClient>> clients;
  std::shared_ptr<const UploadJournal> journal;

  oci::Result<std::shared_ptr<client::RegistryClient>> client(std::string_view host,
                                                              std::string_view name,
                                                              const AccessOptions& access);
};

oci::Result<std::shared_ptr<client::RegistryClient>> StoreOpener::Impl::client(
    std::string_view host, std::string_view name, const AccessOptions& access) {
  const bool insecure = registry_insecure(name, access);
  const std::string key = client_key(host, insecure, access);
  std::lock_guard lock(mutex);
  if (const auto it = clients.find(key); it != clients.end()) return it->second;

  client::RegistryOptions options;
  options.host = std::string(host);
  options.insecure = insecure;
  options.retry = access.retry;
  oci::Result<client::TlsTrust> trust = registry_tls_trust(host, access);
  if (!trust) return std::unexpected(trust.error());
  options.trust = std::move(*trust);
  if (access.credentials) {
    options.credentials = [credentials = *access.credentials](std::string_view) {
      return std::optional<client::Credentials>(credentials);
    };
  } else {
    const client::AuthEnvironment env = client::AuthEnvironment::from_process(access.authfile);
    oci::Result<client::CredentialLookup> lookup =
        client::auth_file_lookup(client::auth_read_paths(env), std::string(host));
    if (!lookup) return std::unexpected(lookup.error());
    options.credentials = std::move(*lookup);
  }
  auto made = std::make_shared<client::RegistryClient>(std::move(options));
  clients.emplace(key, made);
  return made;
}

StoreOpener::StoreOpener(fs::path state_dir) : impl_(std::make_unique<Impl>()) {
  impl_->state_dir = state_dir.empty() ? default_state_dir() : std::move(state_dir);
  impl_->journal = std::make_shared<const UploadJournal>(impl_->state_dir / "uploads");
}

StoreOpener::~StoreOpener() = default;

oci::Result<StoreOpener::Opened> StoreOpener::open(std::string_view transport_reference,
                                                   const AccessOptions& access, bool for_writing) {
  oci::Result<TransportReference> parsed = parse_transport_reference(transport_reference);
  if (!parsed) return std::unexpected(parsed.error());
  Opened opened;
  opened.reference = parsed->reference;
  switch (parsed->transport) {
    case Transport::kDocker: {
      oci::Result<std::unique_ptr<ImageStore>> store = open_repository(*parsed->repository, access);
      if (!store) return std::unexpected(store.error());
      opened.store = std::move(*store);
      break;
    }
    case Transport::kOciLayout: {
      LayoutOptions options;
      options.create = for_writing;
      oci::Result<std::unique_ptr<LayoutStore>> store =
          LayoutStore::open(parsed->path, std::move(options));
      if (!store) return std::unexpected(store.error());
      opened.store = std::move(*store);
      break;
    }
    case Transport::kOciArchive: {
      oci::Result<std::unique_ptr<OciArchiveStore>> store =
          for_writing ? OciArchiveStore::create(parsed->path) : OciArchiveStore::open(parsed->path);
      if (!store) return std::unexpected(store.error());
      opened.store = std::move(*store);
      break;
    }
  }
  return opened;
}

oci::Result<std::unique_ptr<ImageStore>> StoreOpener::open_repository(
    const oci::Reference& repository, const AccessOptions& access) {
  if (repository.domain().empty()) {
    return oci::fail(oci::ErrorCode::kNameInvalid,
                     fmt::format("{}: no registry host in the name", repository.str()));
  }
  oci::Result<std::shared_ptr<client::RegistryClient>> client =
      impl_->client(repository.domain(), repository.name(), access);
  if (!client) return std::unexpected(client.error());
  return std::make_unique<RegistryStore>(std::move(*client), repository.path(), impl_->journal);
}

oci::Result<std::shared_ptr<client::RegistryClient>> StoreOpener::client_for(
    std::string_view host, const AccessOptions& access) {
  return impl_->client(host, host, access);
}

}  // namespace transfer
