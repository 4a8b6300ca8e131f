// Which tags of one repository a retention rule removes: the pure part of retention, given
// what the store holds for the repository (metadata::RetentionView). The pass that reads the
// view and removes the tags is retention.cc; docs/retention.md tells users the rules.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metadata/store.h"

namespace registry {

// What keeps a tag; a tag no criterion keeps is removed. Unset members are no criterion.
// (Initializers everywhere: designated initializers may leave any member out.)
struct RetentionCriteria {
  std::function<bool(std::string_view tag)> keep_tags{};     // a keep_tags regex matches it
  std::function<bool(std::string_view tag)> keep_semver{};   // a version in the keep_semver range
  std::optional<std::size_t> keep_newest{};                  // among the N most recently updated
  std::optional<std::chrono::seconds> keep_pulled_within{};  // its manifest pulled this recently
  std::optional<std::chrono::seconds> drop_older_than{};     // updated more recently than this
};

struct TagVerdict {
  std::string tag;
  std::string digest;
  bool kept = false;
  std::string reason{};  // why it stays or goes, for reports: "among the 3 newest"
};

// Whether `tag` names what belongs to the manifest sha256:<hex> as cosign and the OCI
// referrers tag schema name it: "sha256-<hex>" followed by anything (".sig", ".att", ".sbom").
// Returns that manifest's digest.
std::optional<std::string> attached_to(std::string_view tag);

// A verdict for every tag of `view`, in its order. Tags attached to a manifest (attached_to)
// are no candidates by themselves: they stay while the manifest is kept (a kept tag points at
// it, or a kept index references it), and go with it. `now` is unix seconds.
std::vector<TagVerdict> retention_verdicts(const metadata::RetentionView& view,
                                           const RetentionCriteria& criteria, std::int64_t now);

// The digests that removing the tags `verdicts` do not keep leaves without any tag, sorted:
// what a dry run's GC pass counts as untagged.
std::vector<std::string> left_untagged(const std::vector<TagVerdict>& verdicts);

// "45s", "20m", "3h", "12d": a duration in its largest whole unit, for reasons.
std::string short_duration(std::chrono::seconds duration);

}  // namespace registry
