// Air gap: a sync's image set written to one OCI layout directory (to-dir), carried across,
// and loaded into a registry (from-dir).
//
// to-dir: every image of the set in one layout, blobs stored once however many images share
// them. index.json names each image by its full source reference ("quay.io/app/api:v1",
// "quay.io/app/api@sha256:..."; an image copied for one of several platforms by its own
// digest). With `since` (earlier archive directories), content those hold is not written
// again, but index.json still names every image of the set: load the earlier archives into
// the registry first.
//
// from-dir: each named image is copied to the destination repository sync would use (the
// same rewrite rules); an image whose manifest the destination has is not copied again (its
// tag is still set). Content in neither the archive nor the destination is an error naming
// the blob or manifest.
#pragma once

#include <filesystem>
#include <vector>

#include "sync/mirror_sets.h"
#include "sync/sync_config.h"
#include "sync/sync_plan.h"
#include "sync/sync_run.h"

namespace imagesync {

struct ArchiveOptions {
  std::vector<std::filesystem::path> since;  // earlier archive directories
  int jobs = 8;
  int blob_jobs = 4;
  bool referrers = true;
};

// Plans `config`'s images (its registries are not used) and writes them to `directory`.
// The summary has one destination, "oci:DIRECTORY".
SyncSummary archive_to_dir(const SyncConfig& config, const std::filesystem::path& directory,
                           const ArchiveOptions& options, RepositoryOpener& opener,
                           transfer::Progress& progress);

// Copies every image named in the archive `directory` to `destination`, repositories mapped
// with `rewrite`. Opens destination repositories with opener.open_destination.
SyncSummary archive_from_dir(const std::filesystem::path& directory, const Destination& destination,
                             const std::vector<RewriteRule>& rewrite, const ArchiveOptions& options,
                             RepositoryOpener& opener, transfer::Progress& progress);

// The source -> mirror pairs of the images the archive `directory` names, once loaded into
// `destination`: the mirror sets a disconnected cluster needs after from-dir.
oci::Result<DestinationMirrors> archive_mirrors(const std::filesystem::path& directory,
                                                const Destination& destination,
                                                const std::vector<RewriteRule>& rewrite);

}  // namespace imagesync
