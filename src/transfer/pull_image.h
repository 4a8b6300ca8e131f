// One pull of one resolved reference (`regmirror pull` once short names and policy have
// picked it): its sources opened (resolved_sources.h), the image copied from them piece by
// piece (fallback_store.h) into `destination`, and every try kept as a SourceAttempt.
#pragma once

#include <functional>
#include <memory>
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
  // `copied` failed because the destination could not be opened.
  bool destination_failed = false;
};

// Opens the destination; called only once the image may be written.
using DestinationOpener = std::function<oci::Result<std::unique_ptr<ImageStore>>()>;

// A check of the image before anything is written (policy.json's signature requirements):
// given one image manifest the copy will write (the top manifest, or for an index the chosen
// platform's child, or each child with CopyOptions::all: transfer/copied_images.h), the
// source that served the top manifest and that source's store. An error refuses the pull.
using ServedManifestCheck =
    std::function<oci::Result<void>(ImageStore& source, const SourceRepository& served_by,
                                    const client::FetchedManifest& manifest)>;

// Stores the image under the transport's full reference ("quay.io/ns/app:v1") as its tag in
// the destination, and calls its finish() after a copy. With a `check`, the top manifest is
// read first and the images it leads to are checked, and only then is the destination opened
// (nothing is written for a refused image); the image is copied by that manifest's digest, so what
// was checked is what is stored even if the tag moves meanwhile.
PullResult pull_image(const nodeconf::Resolution& resolution, const AccessOptions& access,
                      StoreOpener& opener, const DestinationOpener& open_destination,
                      const CopyOptions& options, Progress& progress,
                      const ServedManifestCheck& check = {});

}  // namespace transfer
