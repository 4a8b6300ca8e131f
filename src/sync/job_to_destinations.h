// One job of a sync plan to every destination at once: the image is read from the source
// once and each blob fanned out to the destinations that lack it (copy_image_to_all). Each
// destination is written through a GuardedStore over its health; one already down is not
// asked at all. With a signing key, each destination's image is then signed as that
// destination's reference (transfer/sign_image.h).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "oci/error.h"
#include "signature/private_key.h"
#include "sync/destination_health.h"
#include "sync/sync_config.h"
#include "sync/sync_plan.h"
#include "transfer/copy_image.h"
#include "transfer/progress.h"

namespace imagesync {

struct DestinationOutcome {
  std::string image;  // "quay.io/app/api:v1 -> eu.mirror.example.com/mirror/app/api"
  oci::Result<transfer::CopyStats> copied;
};

// outcomes[d] is config.registries[d]'s; `health` has one entry per registry.
std::vector<DestinationOutcome> copy_job(const CopyJob& job, const SyncConfig& config,
                                         std::span<DestinationHealth> health,
                                         const transfer::CopyOptions& copy,
                                         RepositoryOpener& opener, transfer::Progress& progress,
                                         const signature::PrivateKey* sign_with = nullptr);

}  // namespace imagesync
