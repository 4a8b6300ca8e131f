// Online garbage collection: what a run is asked to do and what it reports. The run itself is
// Registry::collect_garbage (gc.cc); which manifests go is gc_keep.h.
//
// How it stays safe while pushes and pulls go on (docs/gc.md tells users):
// - Every path that makes a blob's bytes referenced claims the blob first (its row's touched
//   time), and a blob row is marked 'deleting' only when nothing references it and nobody
//   claimed it within the grace; the store makes the two exclude each other on the row.
// - A manifest is recorded with its references checked in the same transaction that holds its
//   repository, and a repository's pass holds it too: the pass never removes what a manifest
//   being recorded references.
// - One run at a time across processes sharing the database: the lease kGcLease, renewed while
//   the run goes on. A run that died leaves rows 'deleting'; the next run finishes them, and so
//   does a claim that meets one while nobody holds the lease (it takes the lease meanwhile).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "registry/pull_recorder.h"
#include "registry/retention.h"

namespace registry {

// The lease a run holds, and a claim finishing a dead run's deletion.
inline constexpr std::string_view kGcLease = "regmirror:gc";

// The shortest grace a configuration may give (gc.grace, --grace). A path that claims a blob
// and links it after more than the grace fails with the claim's retry error (the link needs the
// claim's row still 'live', Store::link_blob), so the grace need not cover that gap for
// safety; what it must cover is the time a push takes from its first blob to its manifest.
// Tests run with a grace of 1 s; below that the claim→link gap of an ordinary push (a rename,
// a row update) would start to fail pushes.
inline constexpr std::chrono::seconds kMinimumGrace{1};

struct GcOptions {
  // How long a claim, a link, or an untagged manifest's push protects it.
  std::chrono::seconds grace{std::chrono::hours(1)};
  // Untagged manifests (outside the closure of the kept ones) are garbage.
  bool untagged = true;
  // Repositories whose untagged manifests are never collected (pull-through namespaces).
  std::function<bool(std::string_view repository)> exempt = [](std::string_view) { return false; };
  // Computes and reports what a run would remove, changing nothing.
  bool dry_run = false;
  // Asked to stop (serve shutting down): the run ends before its next repository or removal,
  // reports what it did and is recorded as interrupted.
  std::stop_token stop{};

  // Retention rules applied to each repository before its pass (retention.h): the tags they
  // remove free their manifests' bytes in the same run. None: every tag stays.
  std::vector<RetentionRule> retention{};
  // The pulls this process noted but has not written yet are written before the rules are
  // applied (keep_pulled_within sees them). Null: none noted here.
  PullRecorder* pulls = nullptr;
};

struct GcReport {
  std::uint64_t manifests_removed = 0;
  std::uint64_t blobs_removed = 0;
  std::uint64_t bytes_freed = 0;
  std::uint64_t links_removed = 0;
  // Crash leftovers: bytes nothing recorded, temporary files of writes that never finished.
  std::uint64_t leftovers_removed = 0;
  std::chrono::milliseconds duration{0};
  bool dry_run = false;
  bool interrupted = false;                // stopped early (GcOptions::stop)
  std::vector<std::string> manifests;      // repository@digest
  std::vector<std::string> blobs;          // digests
  std::vector<std::string> errors;         // what failed without stopping the run
  std::vector<RemovedTag> tags_removed{};  // by retention, before the repositories' passes
};

}  // namespace registry
