// Runs a sync: every job of the plan to every destination, `jobs` image copies at a time (an
// image to three destinations is three; each moves up to `blob_jobs` blobs at once). Each image is
// read from the source once and written to all destinations together (job_to_destinations.h). A
// failed image is recorded and the rest goes on; a destination that stops answering is marked down
// after two transport failures in a row (destination_health.h) and its remaining images are
// skipped.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "signature/private_key.h"
#include "sync/sync_config.h"
#include "sync/sync_plan.h"
#include "transfer/copy_image.h"
#include "transfer/open_store.h"
#include "transfer/progress.h"

namespace imagesync {

struct SyncRunOptions {
  // Small images are dominated by round trips: several images at once keep every
  // destination busy; 8 x 4 keeps the connections per registry host modest.
  int jobs = 8;
  int blob_jobs = 4;
  bool referrers = true;  // and cosign's attachment tags (sha256-<hex>.sig...)
  transfer::AccessOptions source_access;
  // A destination's tls-verify overrides its tls_verify.
  transfer::AccessOptions destination_access;
  // Each image written is signed with it as its destination reference; null: not signed.
  const signature::PrivateKey* sign_with = nullptr;
};

struct ImageFailure {
  std::string image;  // "quay.io/app/api:v1 -> eu.mirror.example.com/mirror/app/api"
  std::string error;
};

struct DestinationSummary {
  std::string destination;  // "eu.mirror.example.com/mirror", "oci:DIR"
  int images_ok = 0;
  int images_skipped = 0;  // present already, not copied again (from-dir)
  std::vector<ImageFailure> failures;
  // Why the destination was marked down ("" while it answered), and the images it did not
  // get because of that: not listed one by one among the failures.
  std::string down;
  int images_not_copied = 0;
  transfer::CopyStats stats;
};

struct SyncSummary {
  std::vector<PlanProblem> problems;
  std::vector<DestinationSummary> destinations;

  bool ok() const;
  // No blob copied or mounted and nothing failed: the destinations were up to date.
  bool nothing_copied() const;
};

// The StoreOpener with each side's access settings.
class StoreRepositories final : public RepositoryOpener {
 public:
  StoreRepositories(transfer::StoreOpener& opener, transfer::AccessOptions source,
                    transfer::AccessOptions destination);
  oci::Result<std::unique_ptr<transfer::ImageStore>> open_source(
      const oci::Reference& repository) override;
  oci::Result<std::unique_ptr<transfer::ImageStore>> open_destination(
      const oci::Reference& repository, const Destination& destination) override;

 private:
  transfer::StoreOpener& opener_;
  const transfer::AccessOptions source_;
  const transfer::AccessOptions destination_;
  std::mutex mutex_;  // StoreOpener is shared by the workers
};

// Copies `plan` to every destination of `config`. `options.*_access` are not used here:
// `opener` carries them.
SyncSummary run_plan(const SyncConfig& config, const SyncPlan& plan, const SyncRunOptions& options,
                     RepositoryOpener& opener, transfer::Progress& progress);

// Plans and runs the sync of `config` (which needs at least one registry).
SyncSummary run_sync(const SyncConfig& config, const SyncRunOptions& options,
                     transfer::StoreOpener& opener, transfer::Progress& progress);

// The lines printed after a sync: per destination images ok/failed, blobs and bytes, each
// failure with its error, a destination that went down once with the reason; "nothing to copy:
// every blob already present" on an up-to-date re-run.
std::string format_summary(const SyncSummary& summary);

}  // namespace imagesync
