#include "transfer/resolved_sources.h"

#include <string>
#include <vector>

#include "nodeconf/pull_sources.h"

namespace transfer {
namespace {

// The mirrors of the matched entry that this reference does not go to, and why.
void add_unused_mirrors(const nodeconf::Resolution& resolution,
                        std::vector<SourceAttempt>& skipped) {
  const nodeconf::LibraryView& library = resolution.library;
  if (!library.registry || !resolution.transport.reference) return;
  const oci::Reference& wanted = *resolution.transport.reference;
  for (const nodeconf::MirrorDecision& decision : library.mirrors) {
    if (decision.used) continue;
    const oci::Result<oci::Reference> rewritten =
        nodeconf::rewrite_reference(decision.mirror, wanted, library.registry->prefix);
    SourceAttempt attempt;
    attempt.source = {rewritten ? rewritten->name() : decision.mirror.location, true};
    attempt.reference = rewritten ? rewritten->str() : decision.mirror.location;
    attempt.outcome = SourceAttempt::Outcome::kSkipped;
    attempt.error = decision.reason;
    skipped.push_back(std::move(attempt));
  }
}

}  // namespace

std::vector<SourceAttempt> skipped_sources(const nodeconf::Resolution& resolution) {
  std::vector<SourceAttempt> skipped;
  add_unused_mirrors(resolution, skipped);
  for (const nodeconf::TransportAttempt& attempt : resolution.transport.attempts) {
    if (!attempt.error) continue;
    SourceAttempt refused;
    refused.source = {attempt.source.reference.name(), attempt.source.mirror};
    refused.reference = attempt.source.reference.str();
    refused.outcome = SourceAttempt::Outcome::kSkipped;
    refused.error = *attempt.error;
    skipped.push_back(std::move(refused));
  }
  return skipped;
}

oci::Result<std::unique_ptr<FallbackStore>> open_resolved_sources(
    const nodeconf::Resolution& resolution, const AccessOptions& access, StoreOpener& opener) {
  std::vector<FallbackStore::Source> sources;
  std::vector<SourceAttempt> skipped = skipped_sources(resolution);
  for (const nodeconf::TransportAttempt& attempt : resolution.transport.attempts) {
    if (attempt.error) continue;
    const nodeconf::PullSource& source = attempt.source;
    const SourceRepository repository{source.reference.name(), source.mirror};
    AccessOptions own = access;
    if (source.endpoint.insecure) own.tls_verify = false;
    auto store = opener.open_repository(source.reference.name_only(), own);
    if (!store) return std::unexpected(store.error());
    sources.push_back({repository, std::move(*store)});
  }
  if (sources.empty()) {
    std::string why = resolution.transport.error.value_or("no source to pull from");
    for (const SourceAttempt& attempt : skipped) {
      why.append("; ").append(attempt.reference).append(": ").append(attempt.error);
    }
    return oci::fail(oci::ErrorCode::kDenied, std::move(why));
  }
  return std::make_unique<FallbackStore>(std::move(sources), std::move(skipped));
}

}  // namespace transfer
