#include "transfer/pull_image.h"

#include <algorithm>

#include "transfer/copied_images.h"
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

// Reads the top manifest, runs `check` on each image the copy will write (an index is not
// checked: its chosen child is, or every child with --all, as containers/image checks them)
// and returns the top manifest's digest to copy.
oci::Result<std::string> checked_digest(FallbackStore& sources, const std::string& asked,
                                        const CopyOptions& options,
                                        const ServedManifestCheck& check,
                                        SourceRepository& served_by) {
  auto top = sources.get_manifest(asked);
  if (!top) return std::unexpected(top.error());
  served_by = last_manifest_source(sources.attempts());
  ImageStore* store = sources.store_of(served_by.location);
  if (store == nullptr) {
    return oci::fail(oci::ErrorCode::kInternal, "no store for the source " + served_by.location);
  }
  // Read from the source that served the index, not through the fallback chain.
  auto images = copied_images(*store, *top, options);
  if (!images) return std::unexpected(images.error());
  for (const client::FetchedManifest& image : *images) {
    if (auto ok = check(*store, served_by, image); !ok) return std::unexpected(ok.error());
  }
  return top->digest.str();
}

}  // namespace

PullResult pull_image(const nodeconf::Resolution& resolution, const AccessOptions& access,
                      StoreOpener& opener, const DestinationOpener& open_destination,
                      const CopyOptions& options, Progress& progress,
                      const ServedManifestCheck& check) {
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
  std::string asked = reference_in_source(wanted);
  SourceRepository checked_source;
  if (check) {
    auto digest = checked_digest(**sources, asked, options, check, checked_source);
    if (!digest) {
      result.copied = std::unexpected(digest.error());
      result.attempts = (*sources)->attempts();
      result.served_by = checked_source;
      return result;
    }
    asked = std::move(*digest);
  }
  auto destination = open_destination();
  if (!destination) {
    result.copied = std::unexpected(destination.error());
    result.destination_failed = true;
    result.attempts = (*sources)->attempts();
    return result;
  }
  result.copied = copy_image(**sources, asked, **destination, wanted.str(), options, progress);
  if (result.copied) {
    if (auto finished = (*destination)->finish(); !finished) {
      result.copied = std::unexpected(finished.error());
    }
  }
  result.attempts = (*sources)->attempts();
  result.served_by = check ? checked_source : image_source(result.attempts, wanted);
  return result;
}

}  // namespace transfer
