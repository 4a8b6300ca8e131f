#include "sync/sync_plan.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "oci/attachment_tag.h"
#include "sync/sync_workers.h"
#include "transfer/platform.h"

namespace imagesync {
namespace {

struct EntryPlan {
  std::vector<CopyJob> jobs;
  std::optional<PlanProblem> problem;
};

void add_jobs(const ImageEntry& image, const oci::Reference& repository,
              const std::string& reference, std::vector<CopyJob>& out) {
  const bool is_tag = reference.find(':') == std::string::npos;
  const std::string tag = is_tag ? reference : std::string();
  if (image.platforms.empty()) {
    out.push_back(CopyJob{repository, reference, std::nullopt, tag});
  } else if (image.platforms.size() == 1) {
    out.push_back(CopyJob{repository, reference, image.platforms.front(), tag});
  } else {
    for (const auto& platform : image.platforms) {
      out.push_back(CopyJob{repository, reference, platform, std::string()});
    }
  }
}

EntryPlan plan_entry(const ImageEntry& image, RepositoryOpener& opener) {
  EntryPlan plan;
  const oci::Reference repository = image.source.name_only();
  if (!image.is_repository()) {
    add_jobs(image, repository,
             image.source.has_digest() ? image.source.digest() : image.source.tag(), plan.jobs);
    return plan;
  }
  std::vector<std::string> tags = image.filter.tags;
  // An entry with only digests copies those; it does not list the repository.
  const bool only_digests = image.filter.tags.empty() && !image.filter.has_patterns() &&
                            !image.filter.newest && !image.digests.empty();
  if (image.filter.needs_tag_list() && !only_digests) {
    auto listed = [&]() -> oci::Result<std::vector<std::string>> {
      auto store = opener.open_source(repository);
      if (!store) return std::unexpected(store.error());
      return (*store)->list_tags();
    }();
    if (!listed) {
      plan.problem =
          PlanProblem{repository.name(), fmt::format("listing tags: {}", listed.error().message)};
      return plan;
    }
    // cosign's attachment tags (sha256-<hex>.sig...) are not images of their own: they travel
    // with the images they belong to, and only with those.
    std::erase_if(
        *listed, [](const std::string& tag) { return oci::parse_attachment_tag(tag).has_value(); });
    tags = select_tags(image.filter, *listed);
  }
  for (const auto& tag : tags) add_jobs(image, repository, tag, plan.jobs);
  for (const auto& digest : image.digests) add_jobs(image, repository, digest, plan.jobs);
  return plan;
}

}  // namespace

std::string CopyJob::source() const {
  return fmt::format("{}{}{}", repository.name(), by_digest() ? "@" : ":", reference);
}

std::string CopyJob::describe() const {
  std::string text = source();
  if (platform) text.append(" [").append(transfer::to_string(*platform)).append("]");
  return text;
}

SyncPlan plan_sync(const SyncConfig& config, RepositoryOpener& opener, int workers) {
  std::vector<EntryPlan> entries(config.images.size());
  for_each_parallel(entries.size(), workers,
                    [&](std::size_t i) { entries[i] = plan_entry(config.images[i], opener); });
  SyncPlan plan;
  std::set<std::string> seen;
  for (auto& entry : entries) {
    if (entry.problem) plan.problems.push_back(std::move(*entry.problem));
    for (auto& job : entry.jobs) {
      if (seen.insert(job.describe() + " -> " + job.destination_tag).second) {
        plan.jobs.push_back(std::move(job));
      }
    }
  }
  return plan;
}

std::vector<DestinationMirrors> plan_mirrors(const SyncConfig& config, const SyncPlan& plan) {
  std::vector<DestinationMirrors> out;
  for (const auto& destination : config.registries) {
    DestinationMirrors mirrors{destination.str(), {}};
    std::map<std::string, std::size_t> index;  // source -> position in mirrors.pairs
    for (const auto& job : plan.jobs) {
      // Validated with the config: a mapping error cannot happen here.
      auto target = destination_repository(job.repository, destination, config.rewrite);
      if (!target) continue;
      const std::string source = job.repository.name();
      auto [it, fresh] = index.emplace(source, mirrors.pairs.size());
      if (fresh) mirrors.pairs.push_back(MirrorPair{source, target->name(), false});
      if (!job.destination_tag.empty()) mirrors.pairs[it->second].by_tag = true;
    }
    out.push_back(std::move(mirrors));
  }
  return out;
}

}  // namespace imagesync
