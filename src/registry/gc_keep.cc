#include "registry/gc_keep.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace registry {

std::vector<std::string> removable_manifests(const std::vector<metadata::GcManifest>& manifests,
                                             const KeepRules& rules) {
  if (!rules.untagged_are_garbage) return {};
  std::unordered_map<std::string_view, const metadata::GcManifest*> by_digest;
  std::unordered_map<std::string_view, std::vector<std::string_view>> referrers_of;
  for (const auto& manifest : manifests) {
    by_digest.emplace(manifest.digest, &manifest);
    if (manifest.subject) referrers_of[*manifest.subject].push_back(manifest.digest);
  }

  std::unordered_set<std::string_view> kept;
  std::vector<std::string_view> pending;
  const auto keep = [&](std::string_view digest) {
    if (by_digest.contains(digest) && kept.insert(digest).second) pending.push_back(digest);
  };
  for (const auto& manifest : manifests) {
    if (manifest.tagged || manifest.pushed_at >= rules.pushed_cutoff) keep(manifest.digest);
  }
  while (!pending.empty()) {
    const metadata::GcManifest& manifest = *by_digest.at(pending.back());
    pending.pop_back();
    for (const auto& child : manifest.children) keep(child);
    if (auto referrers = referrers_of.find(manifest.digest); referrers != referrers_of.end()) {
      for (std::string_view referrer : referrers->second) keep(referrer);
    }
    if (manifest.subject) keep(*manifest.subject);
  }

  std::vector<std::string> removable;
  for (const auto& manifest : manifests) {
    if (!kept.contains(manifest.digest)) removable.push_back(manifest.digest);
  }
  std::sort(removable.begin(), removable.end());
  return removable;
}

}  // namespace registry
