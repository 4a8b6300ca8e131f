// What containers/image's sysregistriesv2 answers for a reference: the matching
// [[registry]] entry (by repository name), its blocked flag and the ordered pull sources.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nodeconf/pull_sources.h"
#include "nodeconf/registries_conf.h"
#include "oci/error.h"
#include "oci/reference.h"

namespace nodeconf {

struct LibraryView {
  std::optional<oci::Reference> reference;  // normalized, no ":latest" added
  std::optional<std::string> error;         // parse, configuration or rewrite error
  std::optional<Registry> registry;         // nullopt: no entry matches
  bool blocked = false;                     // the matched entry's flag, nothing more
  // Without a matching entry, the single source is the reference itself.
  std::vector<PullSource> pull_sources;
  std::vector<MirrorDecision> mirrors;  // every mirror of the entry, used or not
};

LibraryView library_view(const oci::Result<RegistriesConf>& conf, std::string_view input);

}  // namespace nodeconf
