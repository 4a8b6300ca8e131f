// Everything the node-side resolver says about one image reference: the library view
// (matched entry, pull sources), the docker:// transport view (per-attempt refusals),
// podman's short-name resolution and the policy.json verdict. `regmirror resolve` prints
// it; `pull` and the server's pull-through use the same answers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "nodeconf/library_view.h"
#include "nodeconf/policy.h"
#include "nodeconf/registries_conf.h"
#include "nodeconf/short_name_view.h"
#include "nodeconf/transport_view.h"
#include "oci/error.h"

namespace nodeconf {

struct Resolution {
  std::string input;
  LibraryView library;
  TransportView transport;
  ShortNameView short_name;
  // For the reference as the transport sees it; nullopt without a policy or a valid reference.
  std::optional<PolicyDecision> policy;

  // The docker:// transport has an attempt it does not refuse, and the policy, if any, does
  // not reject the image. A signature requirement counts as pullable: it is checked at pull.
  bool pullable() const;
};

// `conf` may be an error: every view then reports it the way containers/image would.
Resolution resolve(const oci::Result<RegistriesConf>& conf, const Policy* policy,
                   std::string_view input);

}  // namespace nodeconf
