#include "openshift/mirror_rules.h"

#include <fmt/format.h>
#include <algorithm>

#include "oci/reference.h"
#include "openshift/mirror_merge.h"
#include "openshift/scope.h"

namespace openshift {
namespace {

oci::Result<void> check_repository(const std::string& where, const std::string& text,
                                   bool wildcard_allowed) {
  auto invalid = [&](std::string_view why) {
    return oci::fail(oci::ErrorCode::kNameInvalid,
                     fmt::format("{}: invalid repository \"{}\": {}", where, text, why));
  };
  if (text.starts_with("*.")) {
    if (!wildcard_allowed) return invalid("wildcards are only allowed in a source");
    if (std::string problem = scope_problem(text); !problem.empty()) return invalid(problem);
    return {};
  }
  if (text.find('/') == std::string::npos) {
    if (!oci::is_valid_reference_domain(text)) return invalid("not a valid registry host");
    return {};
  }
  auto reference = oci::Reference::parse(text);
  if (!reference) return invalid(reference.error().message);
  if (!reference->is_name_only()) return invalid("it must not have a tag or a digest");
  if (reference->domain().empty()) return invalid("it must start with a registry host");
  return {};
}

// An entry adds nothing when it has no mirror other than its source.
bool only_repeats_source(const MirrorEntry& entry) {
  return std::ranges::all_of(entry.mirrors, [&](const auto& m) { return m == entry.source; });
}

struct Pool {
  std::map<std::string, std::vector<std::vector<std::string>>> lists_by_source;
};

oci::Result<void> add_sets(const std::vector<MirrorSet>& sets, Pool& pool,
                           std::map<std::string, MirrorSourcePolicy>& policies,
                           std::map<std::string, std::string>& policy_origins) {
  for (const MirrorSet& set : sets) {
    for (const MirrorEntry& entry : set.entries) {
      if (auto ok = check_repository(entry.where + ".source", entry.source, true); !ok) return ok;
      for (std::size_t i = 0; i < entry.mirrors.size(); ++i) {
        auto ok = check_repository(fmt::format("{}.mirrors[{}]", entry.where, i), entry.mirrors[i],
                                   false);
        if (!ok) return ok;
      }
      const MirrorSourcePolicy policy = entry.policy == MirrorSourcePolicy::kUnset
                                            ? MirrorSourcePolicy::kAllowContactingSource
                                            : entry.policy;
      if (policy == MirrorSourcePolicy::kNeverContactSource &&
          std::ranges::find(entry.mirrors, entry.source) != entry.mirrors.end()) {
        return oci::fail(oci::ErrorCode::kManifestInvalid,
                         fmt::format("{}: cannot set mirrorSourcePolicy: NeverContactSource if "
                                     "the source \"{}\" is one of the mirrors",
                                     entry.where, entry.source));
      }
      // As the MCO's validateRegistriesConfScopes: entries without mirrors count here too.
      auto [known, inserted] = policies.try_emplace(entry.source, policy);
      if (inserted) {
        policy_origins[entry.source] = entry.where;
      } else if (known->second != policy) {
        return oci::fail(oci::ErrorCode::kManifestInvalid,
                         fmt::format("conflicting mirrorSourcePolicy is set for the same source "
                                     "\"{}\" in imagedigestmirrorsets, imagetagmirrorsets, or "
                                     "imagecontentsourcepolicies ({} and {})",
                                     entry.source, policy_origins[entry.source], entry.where));
      }
      if (entry.mirrors.empty() || only_repeats_source(entry)) continue;
      pool.lists_by_source[entry.source].push_back(entry.mirrors);
    }
  }
  return {};
}

}  // namespace

oci::Result<std::map<std::string, SourceMirrors>> collect_mirrors(
    const std::vector<MirrorSet>& digest_sets, const std::vector<MirrorSet>& tag_sets) {
  Pool digests;
  Pool tags;
  std::map<std::string, MirrorSourcePolicy> policies;
  std::map<std::string, std::string> policy_origins;
  if (auto ok = add_sets(digest_sets, digests, policies, policy_origins); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = add_sets(tag_sets, tags, policies, policy_origins); !ok) {
    return std::unexpected(ok.error());
  }
  std::map<std::string, SourceMirrors> out;
  for (const auto& [source, lists] : digests.lists_by_source) {
    out[source].digest_mirrors = merge_mirror_lists(source, lists);
  }
  for (const auto& [source, lists] : tags.lists_by_source) {
    out[source].tag_mirrors = merge_mirror_lists(source, lists);
  }
  for (auto& [source, mirrors] : out) {
    mirrors.never_contact_source = policies[source] == MirrorSourcePolicy::kNeverContactSource;
  }
  return out;
}

}  // namespace openshift
