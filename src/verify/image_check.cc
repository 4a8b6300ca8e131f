#include "verify/image_check.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "nodeconf/resolution.h"
#include "oci/manifest.h"
#include "transfer/platform.h"
#include "transfer/resolved_sources.h"

namespace verify {
namespace {

// Indexes of indexes are allowed by the spec; a node walks them, but not forever.
constexpr int kMaxIndexDepth = 4;

// The first piece missing or unreadable at the serving source.
struct Problem {
  Status status = Status::kOk;
  std::string reason{};
  std::string missing{};
};

Problem blob_problem(const Probe& probe, const oci::Descriptor& blob, std::string_view what,
                     const SourceRepository& source) {
  if (probe.status == Status::kMissing) {
    return Problem{Status::kMissing,
                   fmt::format("{} {} not found in {}", what, blob.digest.str(), source.location()),
                   blob.digest.str()};
  }
  return Problem{probe.status, fmt::format("{} {}: {}", what, blob.digest.str(), probe.reason),
                 blob.digest.str()};
}

// A child of an index to check, with the platform it is for ("linux/arm64"; "" if unnamed).
struct Child {
  oci::Descriptor descriptor;
  std::string platform{};
};

// The platforms an index's body names for its children, in order ("" where none is named).
std::vector<std::string> child_platforms(std::string_view index_body) {
  std::vector<std::string> names;
  const auto json = nlohmann::json::parse(index_body, nullptr, /*allow_exceptions=*/false);
  const auto manifests = json.is_object() ? json.find("manifests") : json.end();
  if (manifests == json.end() || !manifests->is_array()) return names;
  for (const nlohmann::json& entry : *manifests) {
    const auto platform = entry.is_object() ? entry.find("platform") : entry.end();
    if (platform == entry.end() || !platform->is_object()) {
      names.emplace_back();
      continue;
    }
    const auto field = [&](const char* key) {
      const auto it = platform->find(key);
      return it != platform->end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    std::string name = field("os");
    name.append("/").append(field("architecture"));
    if (const std::string variant = field("variant"); !variant.empty()) name.append("/" + variant);
    names.push_back(std::move(name));
  }
  return names;
}

// The children of an index a node would pull: with no platforms given every one but build
// attestations (platform unknown/unknown, which no node's platform matches); else each
// platform's.
oci::Result<std::vector<Child>> children_to_check(
    const ManifestProbe& manifest, const oci::Manifest& index,
    const std::vector<transfer::Platform>& platforms) {
  std::vector<Child> picked{};
  if (platforms.empty()) {
    const std::vector<std::string> names = child_platforms(manifest.body);
    for (std::size_t i = 0; i < index.manifests.size(); ++i) {
      std::string name = i < names.size() ? names[i] : std::string();
      if (name == "unknown/unknown") continue;
      picked.push_back(Child{index.manifests[i], std::move(name)});
    }
    return picked;
  }
  for (const transfer::Platform& platform : platforms) {
    auto child = transfer::select_platform(manifest.body, index, platform);
    if (!child) return std::unexpected(child.error());
    picked.push_back(Child{std::move(*child), transfer::to_string(platform)});
  }
  return picked;
}

// A manifest asked for by digest whose body hashes to another: the source answered, so the
// node pulls from it and fails there (containers/image checks the digest after it chose it).
Problem digest_mismatch(const SourceRepository& source, std::string_view what,
                        std::string_view asked, std::string_view served) {
  return Problem{Status::kError,
                 fmt::format("{} {} in {} is served with a body whose digest is {}: the node "
                             "pulls from this source and fails",
                             what, asked, source.location(), served)};
}

// Every child manifest, config and layer of `manifest`, depth first, until the first problem.
// The image manifests met (not the indexes) are appended to `images`: those are what a node's
// policy check judges.
// With no platforms given, a missing child's reason names its platform: the cluster may have
// no such nodes.
Problem walk(Probes& probes, const SourceRepository& source, const ManifestProbe& manifest,
             const std::vector<transfer::Platform>& platforms, int depth,
             std::vector<ManifestProbe>& images) {
  auto parsed = oci::parse_manifest(manifest.body, manifest.media_type);
  if (!parsed) {
    return Problem{Status::kError,
                   fmt::format("manifest {} in {}: {}", manifest.digest, source.location(),
                               parsed.error().message),
                   manifest.digest};
  }
  if (parsed->kind == oci::media_type::ManifestKind::kIndex) {
    if (depth >= kMaxIndexDepth) {
      return Problem{Status::kError, fmt::format("indexes nested deeper than {}", kMaxIndexDepth),
                     manifest.digest};
    }
    auto children = children_to_check(manifest, *parsed, platforms);
    if (!children) {
      return Problem{Status::kMissing,
                     fmt::format("index {} in {}: {}", manifest.digest, source.location(),
                                 children.error().message),
                     manifest.digest};
    }
    for (const Child& child : *children) {
      const ManifestProbe fetched = probes.manifest(source, child.descriptor.digest.str());
      Problem problem;
      if (fetched.status != Status::kOk) {
        problem = blob_problem(Probe{fetched.status, fetched.reason}, child.descriptor,
                               "child manifest", source);
      } else if (fetched.digest != child.descriptor.digest.str()) {
        problem = digest_mismatch(source, "child manifest", child.descriptor.digest.str(),
                                  fetched.digest);
      } else {
        problem = walk(probes, source, fetched, platforms, depth + 1, images);
      }
      if (problem.status == Status::kOk) continue;
      if (problem.status == Status::kMissing && platforms.empty() && !child.platform.empty()) {
        problem.reason.append(
            fmt::format(" (the child for {}; pass --platform if the cluster has no such nodes)",
                        child.platform));
      }
      return problem;
    }
    return {};
  }
  images.push_back(manifest);
  if (parsed->config) {
    if (const Probe probe = probes.blob(source, parsed->config->digest);
        probe.status != Status::kOk) {
      return blob_problem(probe, *parsed->config, "config", source);
    }
  }
  for (const oci::Descriptor& layer : parsed->layers) {
    // Non-distributable layers are fetched from their URLs, not from the registry.
    if (!layer.urls.empty()) continue;
    if (const Probe probe = probes.blob(source, layer.digest); probe.status != Status::kOk) {
      return blob_problem(probe, layer, "layer", source);
    }
  }
  return {};
}

SourceRepository source_of(const nodeconf::PullSource& pull_source) {
  return SourceRepository{.host = pull_source.reference.domain(),
                          .repository = pull_source.reference.path(),
                          .insecure = pull_source.endpoint.insecure};
}

std::string reference_in_source(const oci::Reference& reference) {
  return reference.has_digest() ? reference.digest() : reference.tag();
}

std::string source_line(const SourceReport& report) {
  return fmt::format("{} {}: {}", report.mirror ? "mirror" : "primary", report.location,
                     report.status
                         ? fmt::format("{} {}", status_name(*report.status), report.reason)
                         : report.reason);
}

// No source served the manifest: the verdict is the first source's that says more than
// "could not connect" (a mirror with a wrong path says MISSING while the unreachable upstream
// says nothing useful).
void conclude_unserved(ImageVerdict& verdict) {
  const SourceReport* decisive = nullptr;
  for (const SourceReport& report : verdict.sources) {
    if (!report.status) continue;
    if (decisive == nullptr ||
        (*decisive->status == Status::kUnreachable && *report.status != Status::kUnreachable)) {
      decisive = &report;
    }
  }
  verdict.status = decisive != nullptr ? *decisive->status : Status::kBlocked;
  verdict.reason = decisive != nullptr ? "no source serves it: " + source_line(*decisive)
                                       : std::string("no source serves it");
}

}  // namespace

ImageVerdict ImageChecker::check(std::string_view image) const {
  ImageVerdict verdict;
  verdict.image = std::string(image);
  const nodeconf::Resolution resolution = nodeconf::resolve(conf_, policy_, image);
  if (resolution.transport.error) {
    verdict.status = Status::kError;
    verdict.reason = *resolution.transport.error;
    return verdict;
  }
  if (resolution.policy && resolution.policy->verdict == nodeconf::PolicyVerdict::kReject) {
    verdict.status = Status::kBlocked;
    verdict.reason = "policy.json rejects it: " + resolution.policy->reason;
    return verdict;
  }
  // The node's order: mirrors this reference does not use (skipped_sources lists them before
  // the attempts the transport refuses), then the transport's attempts, refused ones skipped.
  const std::vector<transfer::SourceAttempt> skipped = transfer::skipped_sources(resolution);
  const auto refused = static_cast<std::size_t>(
      std::ranges::count_if(resolution.transport.attempts,
                            [](const auto& attempt) { return attempt.error.has_value(); }));
  const auto skipped_report = [](const transfer::SourceAttempt& attempt) {
    return SourceReport{.location = attempt.source.location,
                        .mirror = attempt.source.mirror,
                        .reference = attempt.reference,
                        .reason = "skipped: " + attempt.error};
  };
  for (std::size_t i = 0; i + refused < skipped.size(); ++i) {
    verdict.sources.push_back(skipped_report(skipped[i]));
  }
  std::size_t next_refused = skipped.size() - refused;
  std::vector<const nodeconf::TransportAttempt*> attempts{};
  attempts.reserve(resolution.transport.attempts.size());
  for (const nodeconf::TransportAttempt& attempt : resolution.transport.attempts) {
    attempts.push_back(&attempt);
  }
  if (refused == attempts.size()) {
    for (std::size_t i = next_refused; i < skipped.size(); ++i) {
      verdict.sources.push_back(skipped_report(skipped[i]));
    }
    verdict.status = Status::kBlocked;
    verdict.reason = "registries.conf leaves no source to pull from";
    return verdict;
  }

  for (const nodeconf::TransportAttempt* attempt : attempts) {
    if (attempt->error) {
      verdict.sources.push_back(skipped_report(skipped[next_refused++]));
      continue;
    }
    const SourceRepository source = source_of(attempt->source);
    SourceReport report{.location = source.location(),
                        .mirror = attempt->source.mirror,
                        .reference = attempt->source.reference.str()};
    if (!verdict.served_by.empty()) {
      report.reason = "not asked: " + verdict.served_by + " serves the manifest";
      verdict.sources.push_back(std::move(report));
      continue;
    }
    const std::string asked = reference_in_source(attempt->source.reference);
    const ManifestProbe manifest = probes_.manifest(source, asked);
    report.status = manifest.status;
    if (manifest.status != Status::kOk) {
      report.reason = manifest.status == Status::kMissing
                          ? fmt::format("manifest {} not found", report.reference)
                          : manifest.reason;
      if (manifest.status == Status::kMissing) report.missing = asked;
      verdict.sources.push_back(std::move(report));
      continue;
    }
    verdict.served_by = source.location();
    verdict.manifest_digest = manifest.digest;
    std::vector<ManifestProbe> images;
    Problem problem = attempt->source.reference.has_digest() && manifest.digest != asked
                          ? digest_mismatch(source, "manifest", asked, manifest.digest)
                          : walk(probes_, source, manifest, platforms_, 0, images);
    if (problem.status == Status::kOk && resolution.policy &&
        resolution.policy->verdict == nodeconf::PolicyVerdict::kRequiresSignature) {
      // Each image a node would pull, as containers/image checks each image it copies; an
      // index's own signatures are not judged.
      for (const ManifestProbe& image : images) {
        SignatureCheck signatures = signatures_.check(*resolution.policy, source, image,
                                                      resolution.transport.reference->str());
        if (signatures.status == Status::kOk) continue;
        problem =
            Problem{signatures.status, std::move(signatures.reason), std::move(signatures.missing)};
        break;
      }
    }
    report.status = problem.status;
    report.reason = problem.reason;
    report.missing = problem.missing;
    verdict.status = problem.status;
    verdict.reason = std::move(problem.reason);
    verdict.sources.push_back(std::move(report));
  }
  if (verdict.served_by.empty()) conclude_unserved(verdict);
  return verdict;
}

}  // namespace verify
