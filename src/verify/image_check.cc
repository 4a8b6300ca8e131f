#include "verify/image_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "nodeconf/resolution.h"
#include "oci/manifest.h"
#include "transfer/platform.h"
#include "transfer/resolved_sources.h"
#include "verify/signature_presence.h"

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

// The children of an index a node would pull: every one, or each platform's.
oci::Result<std::vector<oci::Descriptor>> children_to_check(
    const ManifestProbe& manifest, const oci::Manifest& index,
    const std::vector<transfer::Platform>& platforms) {
  if (platforms.empty()) return index.manifests;
  std::vector<oci::Descriptor> picked{};
  for (const transfer::Platform& platform : platforms) {
    auto child = transfer::select_platform(manifest.body, index, platform);
    if (!child) return std::unexpected(child.error());
    picked.push_back(std::move(*child));
  }
  return picked;
}

// Every child manifest, config and layer of `manifest`, depth first, until the first problem.
Problem walk(RegistryProbes& probes, const SourceRepository& source, const ManifestProbe& manifest,
             const std::vector<transfer::Platform>& platforms, int depth) {
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
    for (const oci::Descriptor& child : *children) {
      const ManifestProbe fetched = probes.manifest(source, child.digest.str());
      if (fetched.status != Status::kOk) {
        return blob_problem(Probe{fetched.status, fetched.reason}, child, "child manifest", source);
      }
      if (Problem problem = walk(probes, source, fetched, platforms, depth + 1);
          problem.status != Status::kOk) {
        return problem;
      }
    }
    return {};
  }
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
  std::vector<std::string> reasons{};
  std::optional<Status> status{};
  for (const SourceReport& report : verdict.sources) {
    reasons.push_back(source_line(report));
    if (!report.status) continue;
    if (!status || (*status == Status::kUnreachable && *report.status != Status::kUnreachable)) {
      status = *report.status;
    }
  }
  verdict.status = status.value_or(Status::kBlocked);
  std::string reason = "no source serves it";
  for (const std::string& line : reasons) reason.append("; ").append(line);
  verdict.reason = std::move(reason);
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
  for (const transfer::SourceAttempt& skipped : transfer::skipped_sources(resolution)) {
    verdict.sources.push_back(SourceReport{.location = skipped.source.location,
                                           .mirror = skipped.source.mirror,
                                           .reference = skipped.reference,
                                           .reason = "skipped: " + skipped.error});
  }
  std::vector<const nodeconf::TransportAttempt*> usable{};
  for (const nodeconf::TransportAttempt& attempt : resolution.transport.attempts) {
    if (!attempt.error) usable.push_back(&attempt);
  }
  if (usable.empty()) {
    verdict.status = Status::kBlocked;
    verdict.reason = "registries.conf leaves no source to pull from";
    for (const SourceReport& report : verdict.sources) {
      verdict.reason.append("; ").append(source_line(report));
    }
    return verdict;
  }

  for (const nodeconf::TransportAttempt* attempt : usable) {
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
    Problem problem = walk(probes_, source, manifest, platforms_, 0);
    if (problem.status == Status::kOk && resolution.policy &&
        resolution.policy->verdict == nodeconf::PolicyVerdict::kRequiresSignature) {
      SignatureCheck signatures =
          check_signatures(*resolution.policy, probes_, source, manifest.digest);
      verdict.notes = std::move(signatures.notes);
      problem =
          Problem{signatures.status, std::move(signatures.reason), std::move(signatures.missing)};
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
