#include "nodeconf/pull_sources.h"

#include "nodeconf/prefix_match.h"

namespace nodeconf {
namespace {

MirrorDecision decide(const Registry& registry, const Endpoint& mirror, bool digested) {
  const std::string_view with_digest = "the reference has a digest";
  const std::string_view without_digest = "the reference has no digest";
  auto decision = [&](bool used, std::string reason) {
    return MirrorDecision{mirror, used, std::move(reason)};
  };
  if (registry.mirror_by_digest_only) {
    return digested ? decision(true, "mirror-by-digest-only and " + std::string(with_digest))
                    : decision(false, "mirror-by-digest-only and " + std::string(without_digest));
  }
  const std::string& mode = mirror.pull_from_mirror;
  if (mode == kPullFromMirrorDigestOnly) {
    return decision(digested, "pull-from-mirror = \"digest-only\" and " +
                                  std::string(digested ? with_digest : without_digest));
  }
  if (mode == kPullFromMirrorTagOnly) {
    return decision(!digested, "pull-from-mirror = \"tag-only\" and " +
                                   std::string(digested ? with_digest : without_digest));
  }
  return decision(true, mode.empty() ? "no restriction" : "pull-from-mirror = \"all\"");
}

}  // namespace

std::vector<MirrorDecision> decide_mirrors(const Registry& registry, const oci::Reference& ref) {
  std::vector<MirrorDecision> decisions;
  decisions.reserve(registry.mirrors.size());
  for (const Endpoint& mirror : registry.mirrors) {
    decisions.push_back(decide(registry, mirror, ref.has_digest()));
  }
  return decisions;
}

oci::Result<oci::Reference> rewrite_reference(const Endpoint& endpoint, const oci::Reference& ref,
                                              std::string_view prefix) {
  auto fail = [](std::string message) {
    return oci::fail(oci::ErrorCode::kNameInvalid, std::move(message));
  };
  const std::string text = ref.str();
  const std::optional<std::size_t> covered = match_prefix(text, prefix);
  if (!covered) {
    return fail("invalid prefix '" + std::string(prefix) + "' for reference '" + text + "'");
  }
  if (endpoint.location.empty()) {
    if (!prefix.starts_with("*.")) {
      return fail("invalid prefix '" + std::string(prefix) +
                  "' for empty location, should be in the format: *.example.com");
    }
    return ref;
  }
  auto rewritten = oci::Reference::parse_canonical(endpoint.location + text.substr(*covered));
  if (!rewritten) return fail("rewriting reference: " + rewritten.error().message);
  return rewritten;
}

oci::Result<std::vector<PullSource>> pull_sources(const Registry& registry,
                                                  const oci::Reference& ref) {
  std::vector<PullSource> sources;
  auto add = [&](const Endpoint& endpoint, bool mirror) -> oci::Result<void> {
    auto rewritten = rewrite_reference(endpoint, ref, registry.prefix);
    if (!rewritten) return std::unexpected(rewritten.error());
    sources.push_back(PullSource{endpoint, mirror, std::move(*rewritten)});
    return {};
  };
  for (const MirrorDecision& decision : decide_mirrors(registry, ref)) {
    if (!decision.used) continue;
    if (auto added = add(decision.mirror, true); !added) return std::unexpected(added.error());
  }
  if (auto added = add(registry.endpoint, false); !added) return std::unexpected(added.error());
  return sources;
}

}  // namespace nodeconf
