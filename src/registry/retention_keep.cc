#include "registry/retention_keep.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

namespace registry {
namespace {

constexpr std::string_view kAttachedPrefix = "sha256-";
constexpr std::size_t kSha256HexLength = 64;

bool lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::chrono::seconds age(std::int64_t now, std::int64_t then) {
  return std::chrono::seconds(std::max<std::int64_t>(0, now - then));
}

// Why a candidate tag stays: the first criterion that keeps it, nullopt when none does.
struct Candidate {
  const metadata::RetentionTag& tag;
  bool among_newest = false;
  std::int64_t last_pulled_at = 0;
};

std::optional<std::string> kept_because(const Candidate& candidate,
                                        const RetentionCriteria& criteria, std::int64_t now) {
  const std::string_view name = candidate.tag.name;
  if (criteria.keep_tags && criteria.keep_tags(name)) return "matches keep_tags";
  if (criteria.keep_semver && criteria.keep_semver(name)) return "a version in keep_semver";
  if (candidate.among_newest) {
    return "among the " + std::to_string(*criteria.keep_newest) + " newest";
  }
  const auto pulled = age(now, candidate.last_pulled_at);
  if (criteria.keep_pulled_within && candidate.last_pulled_at > 0 &&
      pulled <= *criteria.keep_pulled_within) {
    return "pulled " + short_duration(pulled) + " ago";
  }
  const auto updated = age(now, candidate.tag.updated_at);
  if (criteria.drop_older_than && updated <= *criteria.drop_older_than) {
    return "updated " + short_duration(updated) + " ago, within drop_older_than " +
           short_duration(*criteria.drop_older_than);
  }
  return std::nullopt;
}

// The facts against a tag no criterion keeps.
std::string removed_because(const Candidate& candidate, const RetentionCriteria& criteria,
                            std::int64_t now) {
  std::string reason = "kept by no criterion: updated " +
                       short_duration(age(now, candidate.tag.updated_at)) + " ago";
  if (criteria.keep_pulled_within) {
    reason += candidate.last_pulled_at > 0
                  ? ", last pulled " + short_duration(age(now, candidate.last_pulled_at)) + " ago"
                  : std::string(", never pulled");
  }
  if (criteria.keep_newest) {
    reason += ", not among the " + std::to_string(*criteria.keep_newest) + " newest";
  }
  return reason;
}

}  // namespace

std::optional<std::string> attached_to(std::string_view tag) {
  if (!tag.starts_with(kAttachedPrefix)) return std::nullopt;
  const std::string_view hex = tag.substr(kAttachedPrefix.size(), kSha256HexLength);
  if (hex.size() != kSha256HexLength || !lower_hex(hex)) return std::nullopt;
  return "sha256:" + std::string(hex);
}

std::vector<TagVerdict> retention_verdicts(const metadata::RetentionView& view,
                                           const RetentionCriteria& criteria, std::int64_t now) {
  std::unordered_map<std::string_view, const metadata::RetentionManifest*> manifests;
  for (const auto& manifest : view.manifests) manifests.emplace(manifest.digest, &manifest);

  std::vector<TagVerdict> verdicts;
  verdicts.reserve(view.tags.size());
  std::vector<std::size_t> candidates;
  for (const auto& tag : view.tags) {
    if (!attached_to(tag.name)) candidates.push_back(verdicts.size());
    verdicts.push_back(TagVerdict{.tag = tag.name, .digest = tag.digest});
  }

  // keep_newest ranks the candidates by update time, newest first, ties by name.
  std::unordered_set<std::size_t> newest;
  if (criteria.keep_newest) {
    std::vector<std::size_t> ranked = candidates;
    std::sort(ranked.begin(), ranked.end(), [&](std::size_t a, std::size_t b) {
      const auto& x = view.tags[a];
      const auto& y = view.tags[b];
      return x.updated_at != y.updated_at ? x.updated_at > y.updated_at : x.name < y.name;
    });
    ranked.resize(std::min(ranked.size(), *criteria.keep_newest));
    newest.insert(ranked.begin(), ranked.end());
  }

  // The manifests kept tags keep, with the children of kept indexes.
  std::unordered_set<std::string_view> kept_manifests;
  const auto keep_manifest = [&](std::string_view digest) {
    std::vector<std::string_view> pending{digest};
    while (!pending.empty()) {
      const std::string_view next = pending.back();
      pending.pop_back();
      if (!kept_manifests.insert(next).second) continue;
      if (auto found = manifests.find(next); found != manifests.end()) {
        for (const auto& child : found->second->children) pending.push_back(child);
      }
    }
  };

  for (std::size_t index : candidates) {
    const auto pulled = manifests.find(view.tags[index].digest);
    const Candidate candidate{
        .tag = view.tags[index],
        .among_newest = newest.contains(index),
        .last_pulled_at = pulled != manifests.end() ? pulled->second->last_pulled_at : 0,
    };
    TagVerdict& verdict = verdicts[index];
    if (auto reason = kept_because(candidate, criteria, now)) {
      verdict.kept = true;
      verdict.reason = std::move(*reason);
      keep_manifest(verdict.digest);
    } else {
      verdict.reason = removed_because(candidate, criteria, now);
    }
  }

  // Attached tags follow their manifest; one kept keeps its own manifest (a signature's
  // signature, an attached index's children): repeat until nothing changes.
  bool changed = true;
  while (changed) {
    changed = false;
    for (TagVerdict& verdict : verdicts) {
      if (verdict.kept) continue;
      auto target = attached_to(verdict.tag);
      if (!target || !kept_manifests.contains(*target)) continue;
      verdict.kept = true;
      verdict.reason = "belongs to " + *target + ", which is kept";
      keep_manifest(verdict.digest);
      changed = true;
    }
  }
  for (TagVerdict& verdict : verdicts) {
    if (auto target = attached_to(verdict.tag); target && !verdict.kept) {
      verdict.reason = "belongs to " + *target + ", which is not kept";
    }
  }
  return verdicts;
}

std::vector<std::string> left_untagged(const std::vector<TagVerdict>& verdicts) {
  std::map<std::string_view, bool> still_tagged;
  for (const auto& verdict : verdicts) still_tagged[verdict.digest] |= verdict.kept;
  std::vector<std::string> untagged;
  for (const auto& [digest, tagged] : still_tagged) {
    if (!tagged) untagged.emplace_back(digest);
  }
  return untagged;
}

std::string short_duration(std::chrono::seconds duration) {
  const std::int64_t seconds = duration.count();
  if (seconds >= 86400) return std::to_string(seconds / 86400) + "d";
  if (seconds >= 3600) return std::to_string(seconds / 3600) + "h";
  if (seconds >= 60) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds) + "s";
}

}  // namespace registry
