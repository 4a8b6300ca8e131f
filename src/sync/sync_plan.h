// What a sync copies: every image entry of sync.yaml turned into copy jobs, the tags of
// repository entries listed at the source and filtered (tag_filter.h).
//
// Platforms: without `platforms` a job copies the whole image (an index with every
// platform, digests unchanged). With one platform the job copies that platform's manifest
// and tags it like the source tag (what skopeo does without --all). With several, each
// platform's manifest is a job of its own, copied by digest only: one tag cannot name
// several manifests without a new index, whose digest would differ from the source's.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oci/error.h"
#include "oci/reference.h"
#include "sync/mirror_sets.h"
#include "sync/sync_config.h"
#include "transfer/copy_image.h"
#include "transfer/image_store.h"

namespace imagesync {

// Opens the repositories a sync reads and writes, with the access settings of each side.
class RepositoryOpener {
 public:
  virtual ~RepositoryOpener() = default;
  // Called from several threads at once.
  virtual oci::Result<std::unique_ptr<transfer::ImageStore>> open_source(
      const oci::Reference& repository) = 0;
  virtual oci::Result<std::unique_ptr<transfer::ImageStore>> open_destination(
      const oci::Reference& repository, const Destination& destination) = 0;
};

struct CopyJob {
  oci::Reference repository;                   // the source repository, name only
  std::string reference;                       // tag or digest in it
  std::optional<transfer::Platform> platform;  // nullopt: the whole image
  std::string destination_tag;                 // "" = by digest only

  bool by_digest() const { return reference.find(':') != std::string::npos; }
  // "quay.io/app/api:v1", "quay.io/app/api@sha256:...", with " [linux/arm64]" for a platform.
  std::string describe() const;
  // The source reference without the platform: "quay.io/app/api:v1".
  std::string source() const;
};

// A source that could not be listed; its entry contributes no job.
struct PlanProblem {
  std::string image;  // the entry's source
  std::string message;
};

struct SyncPlan {
  std::vector<CopyJob> jobs;  // in sync.yaml order, duplicates dropped
  std::vector<PlanProblem> problems;
};

// Lists tags where an entry needs them, `workers` repositories at a time.
SyncPlan plan_sync(const SyncConfig& config, RepositoryOpener& opener, int workers);

// Per destination of `config`, the source -> mirror pairs of the repositories `plan` copies.
std::vector<DestinationMirrors> plan_mirrors(const SyncConfig& config, const SyncPlan& plan);

}  // namespace imagesync
