#include "transfer/fallback_store.h"

#include <utility>

namespace transfer {
namespace {

using Failures = std::vector<std::pair<std::string, oci::Error>>;

std::unexpected<oci::Error> read_only() {
  return oci::fail(oci::ErrorCode::kUnsupported, "a pull source list cannot be written to");
}

}  // namespace

FallbackStore::FallbackStore(std::vector<Source> sources, Report report)
    : sources_(std::move(sources)), report_(std::move(report)) {}

std::string FallbackStore::describe() const {
  std::string text;
  for (const Source& source : sources_) {
    if (!text.empty()) text.append(", then ");
    text.append(source.label);
  }
  return text;
}

void FallbackStore::report(const std::string& line) const {
  if (report_) report_(line);
}

std::unexpected<oci::Error> FallbackStore::all_failed(const std::string& piece,
                                                      const Failures& failures) const {
  if (failures.empty()) return oci::fail(oci::ErrorCode::kNotFound, piece + ": no sources");
  std::string message = piece + ": no source could serve it";
  for (const auto& [label, error] : failures)
    message.append("; ").append(label).append(": ").append(error.message);
  // The last source's code: with mirrors first, the last is the image's own registry.
  return oci::fail(failures.back().second.code, std::move(message));
}

oci::Result<client::FetchedManifest> FallbackStore::get_manifest(std::string_view reference) {
  const std::string piece = "manifest " + std::string(reference);
  Failures failures;
  for (const Source& source : sources_) {
    auto fetched = source.store->get_manifest(reference);
    if (fetched) {
      report(piece + " from " + source.label);
      return fetched;
    }
    report(source.label + ": " + piece + " failed: " + fetched.error().message);
    failures.emplace_back(source.label, std::move(fetched.error()));
  }
  return all_failed(piece, failures);
}

oci::Result<std::vector<std::string>> FallbackStore::list_tags() {
  Failures failures;
  for (const Source& source : sources_) {
    auto tags = source.store->list_tags();
    if (tags) return tags;
    failures.emplace_back(source.label, std::move(tags.error()));
  }
  return all_failed("tags", failures);
}

oci::Result<std::vector<oci::Descriptor>> FallbackStore::referrers(const oci::Digest& subject) {
  const std::string piece = "referrers of " + subject.str();
  Failures failures;
  bool answered = false;
  for (const Source& source : sources_) {
    auto found = source.store->referrers(subject);
    if (!found) {
      failures.emplace_back(source.label, std::move(found.error()));
      continue;
    }
    answered = true;
    if (!found->empty()) {
      report(piece + " from " + source.label);
      return found;
    }
  }
  if (answered) return std::vector<oci::Descriptor>();
  return all_failed(piece, failures);
}

oci::Result<void> FallbackStore::read_blob(const oci::Descriptor& blob, std::int64_t offset,
                                           const client::ByteSink& sink) {
  const std::string piece = "blob " + blob.digest.str();
  Failures failures;
  std::int64_t position = offset;
  for (const Source& source : sources_) {
    const std::int64_t start = position;
    bool sink_failed = false;
    auto read = source.store->read_blob(blob, start,
                                        [&](std::span<const std::byte> bytes) -> oci::Result<void> {
                                          auto sent = sink(bytes);
                                          if (!sent) {
                                            sink_failed = true;
                                            return sent;
                                          }
                                          position += static_cast<std::int64_t>(bytes.size());
                                          return {};
                                        });
    if (read) {
      report(piece + " from " + source.label +
             (start > offset ? " (from byte " + std::to_string(start) + ")" : std::string()));
      return {};
    }
    if (sink_failed) return read;
    report(source.label + ": " + piece + " failed" +
           (position > start ? " after " + std::to_string(position - start) + " bytes" : "") +
           ": " + read.error().message);
    failures.emplace_back(source.label, std::move(read.error()));
  }
  return all_failed(piece, failures);
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
