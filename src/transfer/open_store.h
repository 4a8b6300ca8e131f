// Turns what the user wrote ("docker://host/repo:tag", "oci:DIR:ref", "oci-archive:FILE")
// into an ImageStore and the reference inside it, with the access settings of the command
// line: credentials, TLS trust, insecure registries, retries, and where resumable uploads
// are journalled. Registry clients are shared per host across the stores opened here.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/credentials.h"
#include "client/registry_client.h"
#include "nodeconf/registries_conf.h"
#include "oci/error.h"
#include "oci/reference.h"
#include "transfer/image_store.h"

namespace transfer {

// How to reach registries on one side of a copy (skopeo's --src-*/--dest-* flags).
struct AccessOptions {
  std::optional<std::filesystem::path> authfile;   // else the containers-auth.json(5) search
  std::optional<client::Credentials> credentials;  // --creds USER:PASS, overrides authfile
  // false: --tls-verify=false (plain HTTP allowed, no verification). nullopt: the registry's
  // `insecure` in `registries_conf`, else verify.
  std::optional<bool> tls_verify;
  std::optional<std::filesystem::path> cert_dir;  // used as is instead of the certs.d lookup
  // CA certificates trusted besides the system's and certs.d's (a mirror's upstream CA).
  std::vector<std::filesystem::path> ca_files;
  // containers-certs.d(5) roots searched for "<host[:port]>/"; empty: the standard ones
  // (/etc/containers/certs.d, /etc/docker/certs.d, ~/.config/containers/certs.d).
  std::vector<std::filesystem::path> certs_d_roots;
  const nodeconf::RegistriesConf* registries_conf = nullptr;
  client::RetryPolicy retry;
};

// containers/image's newDockerClient: --tls-verify when given, else the `insecure` of the
// registries.conf entry whose prefix matches the repository `name` (or the host) best.
bool registry_insecure(std::string_view name, const AccessOptions& access);

// What TLS trusts for `host`: `cert_dir` when given, else its certs.d directory, plus the
// extra CA files. Fails when the directory is broken.
oci::Result<client::TlsTrust> registry_tls_trust(std::string_view host,
                                                 const AccessOptions& access);

// Shared by every store a command opens, so each registry host gets one client.
class StoreOpener {
 public:
  // `state_dir` keeps the journal of interrupted uploads ("" = $XDG_STATE_HOME/regmirror
  // or ~/.local/state/regmirror).
  explicit StoreOpener(std::filesystem::path state_dir = {});
  ~StoreOpener();
  StoreOpener(const StoreOpener&) = delete;
  StoreOpener& operator=(const StoreOpener&) = delete;

  struct Opened {
    std::unique_ptr<ImageStore> store;
    std::string reference;  // tag or digest inside the store; "" when none was given
  };
  // "docker://host/repo[:tag|@digest]", "oci:DIR[:ref]", "oci-archive:FILE[:ref]".
  // `for_writing`: an oci: directory is created when missing, an archive is written at
  // finish().
  oci::Result<Opened> open(std::string_view transport_reference, const AccessOptions& access,
                           bool for_writing);
  // A registry repository by reference (the pull and sync paths).
  oci::Result<std::unique_ptr<ImageStore>> open_repository(const oci::Reference& repository,
                                                           const AccessOptions& access);
  // The client for a host, created on first use with `access` (shared by later calls with
  // the same settings). Fails when the auth files or the host's certs.d directory are broken.
  oci::Result<std::shared_ptr<client::RegistryClient>> client_for(std::string_view host,
                                                                  const AccessOptions& access);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace transfer
