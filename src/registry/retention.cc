// Retention passes (retention.h): one repository's, and Registry::apply_retention over all.
#include "registry/retention.h"

#include <algorithm>
#include <iterator>

#include "registry/registry.h"

namespace registry {
namespace {

constexpr std::size_t kRepositoryPage = 100;

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

const RetentionRule* rule_for(const std::vector<RetentionRule>& rules,
                              std::string_view repository) {
  for (const RetentionRule& rule : rules) {
    if (rule.applies(repository)) return &rule;
  }
  return nullptr;
}

oci::Result<RepositoryRetention> retain_tags(metadata::Store& store, std::string_view repository,
                                             const std::vector<RetentionRule>& rules, bool dry_run,
                                             std::int64_t now) {
  RepositoryRetention retention;
  const RetentionRule* rule = rule_for(rules, repository);
  if (rule == nullptr) return retention;
  auto view = store.retention_view(repository);
  if (!view) return std::unexpected(view.error());
  const std::vector<TagVerdict> verdicts = retention_verdicts(*view, rule->criteria, now);

  std::vector<metadata::RetentionTag> doomed;
  for (std::size_t i = 0; i < verdicts.size(); ++i) {
    if (verdicts[i].kept) {
      ++retention.kept;
    } else {
      doomed.push_back(view->tags[i]);
      // A signature's tag stays if its image is tagged again before the removal.
      if (auto target = attached_to(doomed.back().name)) doomed.back().unless_tagged = *target;
    }
  }
  if (doomed.empty()) return retention;

  std::vector<std::string> removed_names;
  if (dry_run) {
    retention.untagged = left_untagged(verdicts);
  } else {
    auto removed = store.remove_tags(repository, doomed);
    if (!removed) return std::unexpected(removed.error());
    removed_names = std::move(*removed);
    retention.kept += doomed.size() - removed_names.size();  // pushed again meanwhile
  }
  for (const TagVerdict& verdict : verdicts) {
    if (verdict.kept) continue;
    if (!dry_run &&
        std::find(removed_names.begin(), removed_names.end(), verdict.tag) == removed_names.end()) {
      continue;
    }
    retention.removed.push_back(RemovedTag{.repository = std::string(repository),
                                           .tag = verdict.tag,
                                           .digest = verdict.digest,
                                           .reason = verdict.reason});
  }
  return retention;
}

Result<RetentionReport> Registry::apply_retention(const std::vector<RetentionRule>& rules,
                                                  bool dry_run) {
  if (!dry_run) {
    if (auto ok = check_writable(); !ok) return std::unexpected(ok.error());
  }
  const auto started = std::chrono::steady_clock::now();
  RetentionReport report;
  report.dry_run = dry_run;
  std::string after;
  while (true) {
    auto page = store_.repositories(after, kRepositoryPage);
    if (!page) return std::unexpected(page.error());
    if (page->empty()) break;
    for (const std::string& repository : *page) {
      auto retained = retain_tags(store_, repository, rules, dry_run, now_unix());
      if (!retained) return std::unexpected(retained.error());
      report.tags_kept += retained->kept;
      std::move(retained->removed.begin(), retained->removed.end(),
                std::back_inserter(report.removed));
    }
    after = page->back();
  }
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return report;
}

}  // namespace registry
