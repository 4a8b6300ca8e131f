#include "transfer/fallback_store.h"

#include <algorithm>
#include <utility>

#include "oci/digest.h"

namespace transfer {
namespace {

using Failures = std::vector<std::pair<std::string, oci::Error>>;
using Piece = SourceAttempt::Piece;
using Outcome = SourceAttempt::Outcome;

std::unexpected<oci::Error> read_only() {
  return oci::fail(oci::ErrorCode::kUnsupported, "a pull source list cannot be written to");
}

// The error once every source failed: each source's reason, in order.
std::unexpected<oci::Error> all_failed(const std::string& piece, const Failures& failures) {
  if (failures.empty()) return oci::fail(oci::ErrorCode::kNotFound, piece + ": no sources");
  std::string message = piece + ": no source could serve it";
  for (const auto& [location, error] : failures)
    message.append("; ").append(location).append(": ").append(error.message);
  // The last source's code: with mirrors first, the last is the image's own registry.
  return oci::fail(failures.back().second.code, std::move(message));
}

// "quay.io/ns/app:v1" or "quay.io/ns/app@sha256:...": what `source` is asked for.
std::string full_reference(const SourceRepository& source, std::string_view tag_or_digest) {
  const char separator = oci::Digest::is_valid(tag_or_digest) ? '@' : ':';
  return source.location + separator + std::string(tag_or_digest);
}

SourceAttempt attempt_of(const SourceRepository& source, Piece piece, std::string reference) {
  SourceAttempt attempt;
  attempt.source = source;
  attempt.piece = piece;
  attempt.reference = std::move(reference);
  return attempt;
}

}  // namespace

FallbackStore::FallbackStore(std::vector<Source> sources, std::vector<SourceAttempt> skipped)
    : sources_(std::move(sources)), attempts_(std::move(skipped)) {}

std::string FallbackStore::describe() const {
  std::string text;
  for (const Source& source : sources_) {
    if (!text.empty()) text.append(", then ");
    text.append(source.repository.location);
  }
  return text;
}

std::vector<SourceAttempt> FallbackStore::attempts() const {
  const std::lock_guard lock(mutex_);
  return attempts_;
}

void FallbackStore::record(SourceAttempt attempt) {
  const std::lock_guard lock(mutex_);
  attempts_.push_back(std::move(attempt));
}

ImageStore* FallbackStore::store_of(std::string_view location) const {
  const auto found = std::ranges::find(sources_, location, [](const Source& source) {
    return std::string_view(source.repository.location);
  });
  return found == sources_.end() ? nullptr : found->store.get();
}

oci::Result<client::FetchedManifest> FallbackStore::get_manifest(std::string_view reference) {
  Failures failures;
  for (const Source& source : sources_) {
    SourceAttempt attempt = attempt_of(source.repository, Piece::kManifest,
                                       full_reference(source.repository, reference));
    auto fetched = source.store->get_manifest(reference);
    if (fetched) {
      attempt.outcome = Outcome::kServed;
      attempt.bytes = static_cast<std::int64_t>(fetched->body.size());
      record(std::move(attempt));
      return fetched;
    }
    attempt.error = fetched.error().message;
    record(std::move(attempt));
    failures.emplace_back(source.repository.location, std::move(fetched.error()));
  }
  return all_failed("manifest " + std::string(reference), failures);
}

oci::Result<std::vector<std::string>> FallbackStore::list_tags() {
  Failures failures;
  for (const Source& source : sources_) {
    SourceAttempt attempt = attempt_of(source.repository, Piece::kTags, source.repository.location);
    auto tags = source.store->list_tags();
    if (tags) {
      attempt.outcome = Outcome::kServed;
      record(std::move(attempt));
      return tags;
    }
    attempt.error = tags.error().message;
    record(std::move(attempt));
    failures.emplace_back(source.repository.location, std::move(tags.error()));
  }
  return all_failed("tags", failures);
}

// An empty answer is no failure, but the next source may know referrers this one lacks.
oci::Result<std::vector<oci::Descriptor>> FallbackStore::referrers(const oci::Digest& subject) {
  Failures failures;
  bool answered = false;
  for (const Source& source : sources_) {
    SourceAttempt attempt = attempt_of(source.repository, Piece::kReferrers,
                                       full_reference(source.repository, subject.str()));
    auto found = source.store->referrers(subject);
    if (!found) {
      attempt.error = found.error().message;
      record(std::move(attempt));
      failures.emplace_back(source.repository.location, std::move(found.error()));
      continue;
    }
    answered = true;
    if (!found->empty()) {
      attempt.outcome = Outcome::kServed;
      record(std::move(attempt));
      return found;
    }
  }
  if (answered) return std::vector<oci::Descriptor>();
  return all_failed("referrers of " + subject.str(), failures);
}

oci::Result<void> FallbackStore::read_blob(const oci::Descriptor& blob, std::int64_t offset,
                                           const client::ByteSink& sink) {
  Failures failures;
  std::int64_t position = offset;
  for (const Source& source : sources_) {
    SourceAttempt attempt = attempt_of(source.repository, Piece::kBlob,
                                       full_reference(source.repository, blob.digest.str()));
    attempt.offset = position;
    bool sink_failed = false;
    auto read = source.store->read_blob(blob, attempt.offset,
                                        [&](std::span<const std::byte> bytes) -> oci::Result<void> {
                                          auto sent = sink(bytes);
                                          if (!sent) {
                                            sink_failed = true;
                                            return sent;
                                          }
                                          position += static_cast<std::int64_t>(bytes.size());
                                          return {};
                                        });
    attempt.bytes = position - attempt.offset;
    if (read) {
      attempt.outcome = Outcome::kServed;
      record(std::move(attempt));
      return {};
    }
    // Where the bytes go failed, not the source: no other source can help.
    if (sink_failed) return read;
    attempt.error = read.error().message;
    record(std::move(attempt));
    failures.emplace_back(source.repository.location, std::move(read.error()));
  }
  return all_failed("blob " + blob.digest.str(), failures);
}

oci::Result<bool> FallbackStore::has_manifest(const oci::Digest& digest) {
  for (const Source& source : sources_) {
    if (auto has = source.store->has_manifest(digest); has && *has) return true;
  }
  return false;
}

oci::Result<bool> FallbackStore::has_blob(const oci::Descriptor& blob) {
  for (const Source& source : sources_) {
    if (auto has = source.store->has_blob(blob); has && *has) return true;
  }
  return false;
}

oci::Result<void> FallbackStore::put_manifest(std::string_view, std::string_view,
                                              const oci::Digest&, std::string_view) {
  return read_only();
}

oci::Result<bool> FallbackStore::mount_blob(const oci::Descriptor&, const ImageStore&) {
  return false;
}

oci::Result<std::int64_t> FallbackStore::resume_offset(const oci::Descriptor&) {
  return read_only();
}

oci::Result<void> FallbackStore::write_blob(const oci::Descriptor&, std::int64_t,
                                            const client::ByteSource&) {
  return read_only();
}

}  // namespace transfer
