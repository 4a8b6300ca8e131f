// Where the on-demand fetches of one upstream read from: the upstream itself or, when the
// server is given a registries.conf, the sources nodeconf's resolver orders for the upstream
// reference (the upstream's own mirrors first, then the upstream), read piece by piece with
// transfer/'s fallback store exactly as `regmirror pull` reads them.
// Thread-safe: registry clients are shared per host through one StoreOpener.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "client/registry_client.h"
#include "mirror/upstream.h"
#include "nodeconf/registries_conf.h"
#include "oci/digest.h"
#include "oci/error.h"
#include "transfer/image_store.h"
#include "transfer/open_store.h"

namespace mirror {

class UpstreamSources {
 public:
  // `conf` (may be null) and `opener` outlive this.
  UpstreamSources(const Upstream& upstream, const nodeconf::RegistriesConf* conf,
                  transfer::StoreOpener& opener);

  // The store to read `repository` (the upstream's name for it) from, for `reference` (a tag
  // or a digest: a registries.conf may send only digests to some mirrors).
  oci::Result<std::unique_ptr<transfer::ImageStore>> open(std::string_view repository,
                                                          std::string_view reference);
  // The digest a tag names at the upstream itself (HEAD), nullopt when it has no such tag.
  oci::Result<std::optional<client::ManifestHead>> head_tag(std::string_view repository,
                                                            std::string_view tag);
  // The size of a blob at the first source that has it; nullopt when none has it.
  oci::Result<std::optional<std::uint64_t>> blob_size(std::string_view repository,
                                                      const oci::Digest& digest);
  // Every tag of the repository at the upstream itself.
  oci::Result<std::vector<std::string>> tags(std::string_view repository);

 private:
  transfer::AccessOptions access() const;
  oci::Result<std::shared_ptr<client::RegistryClient>> upstream_client();

  const Upstream& upstream_;
  const nodeconf::RegistriesConf* conf_;
  transfer::StoreOpener& opener_;
};

}  // namespace mirror
