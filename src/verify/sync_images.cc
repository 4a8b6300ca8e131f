#include "verify/sync_images.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "nodeconf/transport_view.h"
#include "sync/tag_filter.h"
#include "verify/error_status.h"

namespace verify {
namespace {

// Any valid digest selects the mirrors that serve digests only.
constexpr std::string_view kAnyDigest =
    "@sha256:0000000000000000000000000000000000000000000000000000000000000000";

std::vector<SourceRepository> listing_sources(const oci::Result<nodeconf::RegistriesConf>& conf,
                                              const std::string& repository) {
  std::vector<SourceRepository> sources;
  std::set<std::string> seen;
  for (const std::string& reference :
       {repository + ":latest", repository + std::string(kAnyDigest)}) {
    const nodeconf::TransportView view = nodeconf::transport_view(conf, reference);
    for (const nodeconf::TransportAttempt& attempt : view.attempts) {
      if (attempt.error) continue;
      SourceRepository source{.host = attempt.source.reference.domain(),
                              .repository = attempt.source.reference.path(),
                              .insecure = attempt.source.endpoint.insecure};
      if (seen.insert(source.location()).second) sources.push_back(std::move(source));
    }
  }
  return sources;
}

// The tags at the first source that lists them; else a verdict with every source's reason.
oci::Result<std::vector<std::string>> list_tags(const std::vector<SourceRepository>& sources,
                                                Probes& probes, ImageVerdict& unlisted) {
  std::optional<Status> status;
  std::string reason = "listing tags: no source lists the repository";
  for (const SourceRepository& source : sources) {
    auto tags = probes.tags(source);
    if (tags) return tags;
    const Status failed = status_of(tags.error());
    if (!status || *status == Status::kUnreachable) status = failed;
    reason.append(
        fmt::format("; {}: {} {}", source.location(), status_name(failed), tags.error().message));
  }
  unlisted.status = status.value_or(Status::kBlocked);
  unlisted.reason = std::move(reason);
  return oci::fail(oci::ErrorCode::kNotFound, unlisted.reason);
}

}  // namespace

SyncImages sync_images(const imagesync::SyncConfig& config,
                       const oci::Result<nodeconf::RegistriesConf>& conf, Probes& probes) {
  SyncImages out;
  std::set<std::string> seen;
  const auto add = [&](std::string image) {
    if (seen.insert(image).second) out.images.push_back(std::move(image));
  };
  for (const imagesync::ImageEntry& entry : config.images) {
    const std::string repository = entry.source.name_only().str();
    if (!entry.is_repository()) {
      add(entry.source.str());
      continue;
    }
    std::vector<std::string> tags = entry.filter.tags;
    const bool only_digests = entry.filter.tags.empty() && !entry.filter.has_patterns() &&
                              !entry.filter.newest && !entry.digests.empty();
    if (entry.filter.needs_tag_list() && !only_digests) {
      ImageVerdict unlisted{.image = repository};
      auto listed = list_tags(listing_sources(conf, repository), probes, unlisted);
      if (!listed) {
        out.unlisted.push_back(std::move(unlisted));
        continue;
      }
      tags = imagesync::select_tags(entry.filter, *listed);
    }
    for (const std::string& tag : tags) add(repository + ":" + tag);
    for (const std::string& digest : entry.digests) add(repository + "@" + digest);
  }
  return out;
}

}  // namespace verify
