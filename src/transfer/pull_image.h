// One pull of one resolved reference (`regmirror pull` once short names and policy have
// picked it): its sources opened (resolved_sources.h), the image copied from them piece by
// piece (fallback_store.h) into `destination`, and every try kept as a SourceAttempt.
#pragma once

#include <string>
#include <vector>

#include "nodeconf/resolution.h"
#include "oci/error.h"
#include "transfer/copy_image.h"
#include "transfer/image_store.h"
#include "transfer/open_store.h"
#include "transfer/progress.h"
#include "transfer/source_attempt.h"

namespace transfer {

struct PullResult {
  // The image as stored, or why it is not: no source may be asked, none could serve a
  // piece, or the destination failed.
  oci::Result<CopyResult> copied;
  // The source that served the image's own manifest (by tag or digest); empty when none did.
  SourceRepository served_by;
  // Every try, skipped sources first, in the order they ended.
  std::vector<SourceAttempt> attempts;
};

// Stores the image under the transport's full reference ("quay.io/ns/app:v1") as its tag in
// `destination`, and calls destination.finish() after a copy.
PullResult pull_image(const nodeconf::Resolution& resolution, const AccessOptions& access,
                      StoreOpener& opener, ImageStore& destination, const CopyOptions& options,
                      Progress& progress);

}  // namespace transfer
