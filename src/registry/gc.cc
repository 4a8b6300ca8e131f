// One garbage collection run (gc.h): each repository's pass, then the blobs nothing references,
// then bytes nothing recorded, under the lease kGcLease.
#include "registry/gc.h"

#include <algorithm>
#include <iterator>

#include "registry/gc_keep.h"
#include "registry/paths.h"
#include "registry/registry.h"
#include "storage/temporary_files.h"

namespace registry {
namespace {

using namespace std::chrono_literals;
using oci::ErrorCode;

// Short, so that a run that died (kill -9) holds up the next one and the claims meeting its
// marked blobs briefly; renewed often enough that a live run never loses it.
constexpr auto kLeaseTtl = 10s;
constexpr auto kLeaseRenewal = 3s;
// Room for the database's clock, which judges expiry, against this process's.
constexpr auto kLeaseMargin = 2s;
constexpr std::size_t kBatch = 1000;
constexpr std::size_t kRepositoryPage = 100;
// Failures a report lists one by one (a storage outage could fail every removal).
constexpr std::size_t kListedFailures = 100;

// "a" + separator + "b", built in one string.
std::string joined(std::string_view a, char separator, std::string_view b) {
  std::string text;
  text.reserve(a.size() + 1 + b.size());
  text.append(a).push_back(separator);
  text.append(b);
  return text;
}

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The lease of one run: taken at its start, renewed as it goes, given up at its end. Before
// each removal the run renews it if due, and stops when another holder took it meanwhile.
class RunLease {
 public:
  RunLease(metadata::Store& store, std::string holder)
      : store_(store), holder_(std::move(holder)) {}
  ~RunLease() {
    if (held_) (void)store_.release_lease(kGcLease, holder_);
  }
  RunLease(const RunLease&) = delete;
  RunLease& operator=(const RunLease&) = delete;

  Result<void> take() {
    auto taken = store_.acquire_lease(kGcLease, holder_, kLeaseTtl);
    if (!taken) return std::unexpected(taken.error());
    if (!*taken) {
      return oci::fail(ErrorCode::kTooManyRequests, "another garbage collection is running");
    }
    held_ = true;
    renewed_ = std::chrono::steady_clock::now();
    return {};
  }

  Result<void> keep() {
    const auto since = std::chrono::steady_clock::now() - renewed_;
    if (since < kLeaseRenewal) return {};
    // Past its time the lease may have lapsed and been taken meanwhile (a claim finishing a
    // deletion takes it): acquiring it again would succeed, yet what this run marked may have
    // been stored anew. Such a run stops; the next one starts from the database's state.
    if (since >= kLeaseTtl - kLeaseMargin) {
      held_ = false;
      return oci::fail(ErrorCode::kInternal, "garbage collection stalled past its lease");
    }
    auto renewed = store_.acquire_lease(kGcLease, holder_, kLeaseTtl);
    if (!renewed) return std::unexpected(renewed.error());
    if (!*renewed) {
      held_ = false;
      return oci::fail(ErrorCode::kInternal, "garbage collection lost its lease");
    }
    renewed_ = std::chrono::steady_clock::now();
    return {};
  }

 private:
  metadata::Store& store_;
  const std::string holder_;
  bool held_ = false;
  std::chrono::steady_clock::time_point renewed_;
};

class Run {
 public:
  Run(storage::Driver& driver, metadata::Store& store, ManifestCache& cache,
      const GcOptions& options, RunLease& lease, GcReport& report)
      : driver_(driver),
        store_(store),
        cache_(cache),
        options_(options),
        lease_(lease),
        report_(report),
        cutoff_(now_unix() - options.grace.count()) {}

  Result<void> sweep_repositories() {
    std::string after;
    while (true) {
      auto page = store_.repositories(after, kRepositoryPage);
      if (!page) return std::unexpected(page.error());
      if (page->empty()) return {};
      for (const std::string& repository : *page) {
        if (auto kept = keep_going(); !kept) return kept;
        if (auto swept = sweep(repository); !swept) return swept;
      }
      after = page->back();
    }
  }

  // A blob whose bytes cannot be removed (a storage error) stays marked for the next run,
  // counted in the report's errors; this run goes on with the others.
  Result<void> remove_blobs() {
    if (options_.dry_run) return count_blobs();
    // What a dead run (or a failed removal) left marked first, then what is garbage now.
    std::string after;
    while (true) {
      auto batch = store_.deleting_blobs(after, kBatch);
      if (!batch) return std::unexpected(batch.error());
      if (batch->empty()) break;
      if (auto removed = remove_each(*batch); !removed) return removed;
      after = batch->back().digest;
    }
    while (true) {
      auto batch = store_.mark_garbage_blobs(cutoff_, kBatch);
      if (!batch) return std::unexpected(batch.error());
      if (batch->empty()) return {};
      if (auto removed = remove_each(*batch); !removed) return removed;
    }
  }

  bool interrupted() const { return interrupted_; }

  // The failures beyond those listed, as one last line of the report's errors.
  void finish() {
    if (unlisted_failures_ > 0) {
      report_.errors.push_back("and " + std::to_string(unlisted_failures_) + " more failures");
    }
  }

  // Bytes under blobs/ that no row records, older than the grace: a writer died between
  // storing them and recording them (or they predate the record).
  Result<void> remove_leftovers() {
    auto algorithms = driver_.list("blobs");
    if (!algorithms) return storage_failure(algorithms.error());
    for (const std::string& algorithm : *algorithms) {
      const std::string algorithm_dir = joined("blobs", '/', algorithm);
      auto fans = driver_.list(algorithm_dir);
      if (!fans) return storage_failure(fans.error());
      for (const std::string& fan : *fans) {
        const std::string fan_dir = joined(algorithm_dir, '/', fan);
        auto names = driver_.list(fan_dir);
        if (!names) return storage_failure(names.error());
        for (const std::string& name : *names) {
          if (auto checked =
                  check_leftover(joined(algorithm, ':', name), joined(fan_dir, '/', name));
              !checked) {
            return checked;
          }
        }
      }
    }
    return remove_temporaries();
  }

 private:
  Result<void> sweep(const std::string& repository) {
    auto retained =
        retain_tags(store_, repository, options_.retention, options_.dry_run, now_unix());
    if (!retained) return std::unexpected(retained.error());
    std::move(retained->removed.begin(), retained->removed.end(),
              std::back_inserter(report_.tags_removed));
    const KeepRules rules{
        .untagged_are_garbage = options_.untagged && !options_.exempt(repository),
        .pushed_cutoff = cutoff_,
    };
    auto swept = store_.sweep_repository(
        repository, cutoff_, options_.dry_run,
        [&](const std::vector<metadata::GcManifest>& manifests) {
          if (retained->untagged.empty()) return removable_manifests(manifests, rules);
          // A dry run: the tags retention would have removed are still there.
          std::vector<metadata::GcManifest> after_retention = manifests;
          for (auto& manifest : after_retention) {
            if (std::binary_search(retained->untagged.begin(), retained->untagged.end(),
                                   manifest.digest)) {
              manifest.tagged = false;
            }
          }
          return removable_manifests(after_retention, rules);
        });
    if (!swept) return std::unexpected(swept.error());
    for (const std::string& digest : swept->manifests) {
      if (!options_.dry_run) cache_.erase(digest);
      report_.manifests.push_back(joined(repository, '@', digest));
    }
    report_.manifests_removed += swept->manifests.size();
    report_.links_removed += swept->links.size();
    return {};
  }

  Result<void> remove_each(const std::vector<metadata::GarbageBlob>& blobs) {
    for (const auto& blob : blobs) {
      if (auto kept = keep_going(); !kept) return kept;
      if (auto removed = remove_blob(blob); !removed) return removed;
    }
    return {};
  }

  // A storage failure is noted and skipped; a database failure ends the run.
  Result<void> remove_blob(const metadata::GarbageBlob& blob) {
    auto digest = oci::Digest::parse(blob.digest);
    // A row no valid digest names has no bytes to remove.
    if (digest) {
      if (auto removed = driver_.remove(blob_path(*digest)); !removed) {
        note_failure("removing blob " + blob.digest + ": " + removed.error().message);
        return {};
      }
      cache_.erase(blob.digest);
    }
    // Forgotten only once the bytes are gone: a claim waits until then, and stores them anew.
    if (auto forgotten = store_.forget_blob(blob.digest); !forgotten) return forgotten;
    count_blob(blob);
    return {};
  }

  Result<void> count_blobs() {
    std::string after;
    while (true) {
      auto marked = store_.deleting_blobs(after, kBatch);
      if (!marked) return std::unexpected(marked.error());
      if (marked->empty()) break;
      for (const auto& blob : *marked) count_blob(blob);
      after = marked->back().digest;
    }
    after.clear();
    while (true) {
      auto batch = store_.garbage_blobs(cutoff_, after, kBatch);
      if (!batch) return std::unexpected(batch.error());
      if (batch->empty()) return {};
      for (const auto& blob : *batch) count_blob(blob);
      after = batch->back().digest;
    }
  }

  void count_blob(const metadata::GarbageBlob& blob) {
    ++report_.blobs_removed;
    report_.bytes_freed += blob.size;
    report_.blobs.push_back(blob.digest);
  }

  Result<void> check_leftover(const std::string& digest_text, const std::string& path) {
    auto digest = oci::Digest::parse(digest_text);
    if (!digest || blob_path(*digest) != path) return {};  // not a name this registry writes
    auto info = driver_.stat(path);
    if (!info) return {};  // gone meanwhile
    if (info->modified_unix >= cutoff_) return {};
    if (options_.dry_run) {
      auto recorded = store_.blob_recorded(digest_text);
      if (!recorded) return std::unexpected(recorded.error());
      if (*recorded) return {};
    } else {
      if (auto kept = keep_going(); !kept) return kept;
      // Removed as a marked blob is, so that a claim meeting it waits (blob_claims.cc) rather
      // than relying on bytes about to go.
      auto marked = store_.mark_leftover(digest_text, info->size);
      if (!marked) return std::unexpected(marked.error());
      if (!*marked) return {};  // recorded: not a leftover
      if (auto removed = driver_.remove(path); !removed) {
        // Left marked: the next run's removal of marked blobs tries again.
        note_failure("removing leftover " + path + ": " + removed.error().message);
        return {};
      }
      if (auto forgotten = store_.forget_blob(digest_text); !forgotten) return forgotten;
    }
    ++report_.leftovers_removed;
    report_.bytes_freed += info->size;
    return {};
  }

  // Temporary files of writes that never finished (a manifest's bytes written by a process
  // that died), older than the grace.
  Result<void> remove_temporaries() {
    storage::TemporaryFilesDriver* temporaries = storage::temporary_files(driver_);
    if (temporaries == nullptr) return {};
    auto found = temporaries->temporaries("blobs");
    if (!found) return storage_failure(found.error());
    for (const auto& file : *found) {
      if (file.modified_unix >= cutoff_) continue;
      if (!options_.dry_run) {
        if (auto kept = keep_going(); !kept) return kept;
        if (auto removed = temporaries->remove_temporary(file); !removed) {
          note_failure("removing a temporary file: " + removed.error().message);
          continue;
        }
      }
      ++report_.leftovers_removed;
      report_.bytes_freed += file.size;
    }
    return {};
  }

  // Before each repository and each removal: stops when asked to, renews the lease.
  Result<void> keep_going() {
    if (options_.stop.stop_requested()) {
      interrupted_ = true;
      return oci::fail(ErrorCode::kInternal, "interrupted: stopped before the end");
    }
    return lease_.keep();
  }

  void note_failure(std::string error) {
    if (report_.errors.size() < kListedFailures) {
      report_.errors.push_back(std::move(error));
    } else {
      ++unlisted_failures_;
    }
  }

  storage::Driver& driver_;
  metadata::Store& store_;
  ManifestCache& cache_;
  const GcOptions& options_;
  RunLease& lease_;
  GcReport& report_;
  const std::int64_t cutoff_;
  std::uint64_t unlisted_failures_ = 0;
  bool interrupted_ = false;
};

}  // namespace

Result<GcReport> Registry::collect_garbage(const GcOptions& options) {
  if (!options.dry_run) {
    if (auto ok = check_writable(); !ok) return std::unexpected(ok.error());
  }
  const auto started = std::chrono::steady_clock::now();
  const std::int64_t started_unix = now_unix();
  RunLease lease(store_, unique_holder());
  if (auto taken = lease.take(); !taken) return std::unexpected(taken.error());

  GcReport report;
  report.dry_run = options.dry_run;
  if (options.pulls != nullptr && !options.retention.empty()) {
    if (auto written = options.pulls->flush(); !written) {
      report.errors.push_back("writing the latest pulls: " + written.error().message);
    }
  }
  Run run(driver_, store_, manifest_cache_, options, lease, report);
  Result<void> ran = run.sweep_repositories();
  if (ran) ran = run.remove_blobs();
  if (ran) ran = run.remove_leftovers();
  if (ran && !options.dry_run) {
    if (auto purged = purge_stale_uploads(); !purged) ran = std::unexpected(purged.error());
  }
  run.finish();
  report.interrupted = run.interrupted();
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);

  // Recorded whether it succeeded or not: what it removed before failing is gone.
  const metadata::GcRunRecord record{
      .started_at = started_unix,
      .finished_at = now_unix(),
      .manifests_removed = report.manifests_removed,
      .blobs_removed = report.blobs_removed,
      .bytes_freed = report.bytes_freed,
      .dry_run = options.dry_run,
      .error = ran ? "" : ran.error().message,
  };
  if (auto recorded = store_.record_gc_run(record); !recorded && ran) {
    report.errors.push_back("recording the run: " + recorded.error().message);
  }
  // Interrupted, the run still reports what it removed: it did not fail.
  if (!ran && !report.interrupted) return std::unexpected(ran.error());
  return report;
}

}  // namespace registry
