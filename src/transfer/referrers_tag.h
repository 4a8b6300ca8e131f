// The referrers tag schema (distribution-spec v1.1 "Pushing manifests with subject"): on a
// registry without the referrers API, the client that pushes a manifest with a subject
// keeps an image index tagged "<alg>-<hex>" of the subject listing every referrer.
#pragma once

#include <string_view>

#include "client/registry_client.h"
#include "oci/error.h"
#include "oci/manifest.h"

namespace transfer {

// Adds `referrer` to the tag index of `subject` in `repository` (created when missing;
// nothing is written when it is listed already).
oci::Result<void> add_to_referrers_tag(client::RegistryClient& client, std::string_view repository,
                                       const oci::Digest& subject, const oci::Descriptor& referrer);

}  // namespace transfer
