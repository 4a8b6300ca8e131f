// Retention: which tags a repository keeps, by rules (config `retention.rules`,
// docs/retention.md). A pass removes the tags no criterion of its repository's rule keeps;
// the manifests left untagged and their blobs then go in garbage collection's normal way
// (gc.h), in the same run when serve's GC applies the rules first. Which tags go is
// retention_keep.h; this is the pass over the store.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "metadata/store.h"
#include "registry/retention_keep.h"

namespace registry {

struct RetentionRule {
  std::string repositories;  // the patterns as configured, for reports
  std::function<bool(std::string_view repository)> applies;
  RetentionCriteria criteria{};
};

struct RemovedTag {
  std::string repository;
  std::string tag;
  std::string digest;
  std::string reason{};
};

struct RetentionReport {
  bool dry_run = false;
  std::uint64_t tags_kept = 0;      // in repositories a rule applies to
  std::vector<RemovedTag> removed;  // (in a dry run: would be removed)
  std::chrono::milliseconds duration{0};
};

// What one repository's pass did.
struct RepositoryRetention {
  std::uint64_t kept = 0;
  std::vector<RemovedTag> removed;
  // In a dry run: the digests the removals would leave without a tag (GC's dry run counts
  // them as untagged).
  std::vector<std::string> untagged;
};

// The first rule whose repositories match, null when none does (the repository is untouched).
const RetentionRule* rule_for(const std::vector<RetentionRule>& rules, std::string_view repository);

// One repository's pass at `now` (unix seconds): nothing when no rule applies. A tag pushed
// or moved after the pass read it stays.
oci::Result<RepositoryRetention> retain_tags(metadata::Store& store, std::string_view repository,
                                             const std::vector<RetentionRule>& rules, bool dry_run,
                                             std::int64_t now);

}  // namespace registry
