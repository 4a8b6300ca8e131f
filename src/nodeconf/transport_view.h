// What podman's and skopeo's docker:// transport does with registries.conf before any network
// I/O: ":latest" added, tag+digest refused, and each pull source checked on its own. An
// attempt is refused when its rewritten reference falls under a blocked entry, so the mirrors
// of a blocked registry are still used.
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

struct TransportAttempt {
  PullSource source;
  std::optional<std::string> error;       // refused before contacting the endpoint
  std::optional<std::string> blocked_by;  // prefix of the blocked entry, when that is why
};

struct TransportView {
  std::optional<oci::Reference> reference;  // the reference as the transport sees it
  std::optional<std::string> error;
  std::vector<TransportAttempt> attempts;

  // No error and at least one attempt that is not refused.
  bool has_usable_attempt() const;
};

TransportView transport_view(const oci::Result<RegistriesConf>& conf, std::string_view input);

}  // namespace nodeconf
