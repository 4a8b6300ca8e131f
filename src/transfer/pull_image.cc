#include "transfer/pull_image.h"

#include <algorithm>

#include "transfer/resolved_sources.h"

namespace transfer {
namespace {

// The tag or digest every source is asked for (the same for all: only names are rewritten).
std::string reference_in_source(const oci::Reference& reference) {
  return reference.has_digest() ? reference.digest() : reference.tag();
}

// The source whose manifest for `wanted` was served: the image's own, not a child's.
SourceRepository image_source(const std::vector<SourceAttempt>& attempts,
                              const oci::Reference& wanted) {
  std::string suffix(wanted.has_digest() ? "@" : ":");
  suffix += reference_in_source(wanted);
  const auto served = std::ranges::find_if(attempts, [&](const SourceAttempt& attempt) {
    return attempt.piece == SourceAttempt::Piece::kManifest &&
           attempt.outcome == SourceAttempt::Outcome::kServed &&
           attempt.reference == attempt.source.location + suffix;
  });
  return served == attempts.end() ? SourceRepository{} : served->source;
}

}  // namespace

PullResult pull_image(const nodeconf::Resolution& resolution, const AccessOptions& access,
                      StoreOpener& opener, ImageStore& destination, const CopyOptions& options,
                      Progress& progress) {
  PullResult result{
      oci::fail(oci::ErrorCode::kNameInvalid, resolution.transport.error.value_or("no reference")),
      {},
      {}};
  if (!resolution.transport.reference) return result;
  const oci::Reference& wanted = *resolution.transport.reference;
  auto sources = open_resolved_sources(resolution, access, opener);
  if (!sources) {
    result.copied = std::unexpected(sources.error());
    result.attempts = skipped_sources(resolution);
    return result;
  }
  const std::string asked = reference_in_source(wanted);
  result.copied = copy_image(**sources, asked, destination, wanted.str(), options, progress);
  if (result.copied) {
    if (auto finished = destination.finish(); !finished) {
      result.copied = std::unexpected(finished.error());
    }
  }
  result.attempts = (*sources)->attempts();
  result.served_by = image_source(result.attempts, wanted);
  return result;
}

}  // namespace transfer
