// The images of a sync.yaml as `regmirror verify` checks them: an entry with a tag or a
// digest is that image; a repository entry's tag filter needs the repository's tags, listed
// where the node would pull from: the sources of "<repository>:latest" in the node's order,
// then those of a digest reference (mirrors that serve digests only, as an
// ImageDigestMirrorSet's), the first source that lists wins. `digests:` are checked by
// digest. `platforms:` is not applied: the whole image is checked.
#pragma once

#include <string>
#include <vector>

#include "nodeconf/registries_conf.h"
#include "oci/error.h"
#include "sync/sync_config.h"
#include "verify/probes.h"
#include "verify/verdict.h"

namespace verify {

struct SyncImages {
  std::vector<std::string> images{};  // in sync.yaml order, duplicates dropped
  // Repositories no source could list: one verdict each, naming every source's reason.
  std::vector<ImageVerdict> unlisted{};
};

SyncImages sync_images(const imagesync::SyncConfig& config,
                       const oci::Result<nodeconf::RegistriesConf>& conf, Probes& probes);

}  // namespace verify
