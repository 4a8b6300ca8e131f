// The sources of one resolved reference, ready to read from: nodeconf's docker:// transport
// attempts in order (mirrors, then the primary), each opened as a registry repository with
// its endpoint's insecure flag. A mirror the registries.conf entry does not use for this
// reference (mirror-by-digest-only, pull-from-mirror) and an attempt the transport refuses
// (blocked) are not asked; they are kept as skipped SourceAttempts with the reason.
#pragma once

#include <memory>

#include "nodeconf/resolution.h"
#include "oci/error.h"
#include "transfer/fallback_store.h"
#include "transfer/open_store.h"

namespace transfer {

// Fails (kDenied) when no source may be asked, with every reason; or when a repository
// cannot be opened (broken auth file, certs.d).
oci::Result<std::unique_ptr<FallbackStore>> open_resolved_sources(
    const nodeconf::Resolution& resolution, const AccessOptions& access, StoreOpener& opener);

}  // namespace transfer
