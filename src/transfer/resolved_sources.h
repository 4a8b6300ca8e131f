// The sources of one resolved reference, ready to read from: nodeconf's docker:// transport
// attempts in order (mirrors, then the primary), each opened as a registry repository with
// its endpoint's insecure flag. A mirror the registries.conf entry does not use for this
// reference (mirror-by-digest-only, pull-from-mirror) and an attempt the transport refuses
// (blocked) are not asked; they are kept as skipped SourceAttempts with the reason.
#pragma once

#include <memory>
#include <vector>

#include "nodeconf/resolution.h"
#include "oci/error.h"
#include "transfer/fallback_store.h"
#include "transfer/open_store.h"
#include "transfer/source_attempt.h"

namespace transfer {

// The sources not to be asked for this reference, each with its reason (outcome kSkipped):
// unused mirrors first, then the refused attempts in the transport's order.
std::vector<SourceAttempt> skipped_sources(const nodeconf::Resolution& resolution);

// The skipped sources open the store's attempts. Fails (kDenied) when no source may be
// asked, with every reason; or when a repository cannot be opened (broken auth file,
// certs.d).
oci::Result<std::unique_ptr<FallbackStore>> open_resolved_sources(
    const nodeconf::Resolution& resolution, const AccessOptions& access, StoreOpener& opener);

}  // namespace transfer
