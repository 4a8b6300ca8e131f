// Blobs as seen through a repository: stat, read, delete, cross-repository mount.
#include "oci/name.h"
#include "registry/paths.h"
#include "registry/registry.h"

namespace registry {
namespace {

using oci::ErrorCode;

Result<oci::Digest> parse_blob_digest(std::string_view repository, std::string_view digest) {
  if (!oci::is_valid_repository_name(repository)) {
    return oci::fail(ErrorCode::kNameInvalid, "invalid repository name");
  }
  return oci::Digest::parse(digest);
}

}  // namespace

Result<BlobInfo> Registry::stat_blob(std::string_view repository, std::string_view digest_text) {
  auto digest = parse_blob_digest(repository, digest_text);
  if (!digest) return std::unexpected(digest.error());
  auto size = store_.linked_blob(repository, digest->str());
  if (!size) return std::unexpected(size.error());
  if (!*size) return oci::fail(ErrorCode::kBlobUnknown, "blob unknown to registry", digest->str());
  return BlobInfo{*digest, **size};
}

Result<std::string> Registry::read_small_blob(std::string_view repository, std::string_view digest,
                                              std::uint64_t max_bytes) {
  auto blob = stat_blob(repository, digest);
  if (!blob) return std::unexpected(blob.error());
  if (blob->size > max_bytes) {
    return oci::fail(ErrorCode::kSizeInvalid, "blob too large to read",
                     std::to_string(blob->size) + " bytes, limit " + std::to_string(max_bytes));
  }
  auto content = driver_.get_content(blob_path(blob->digest), max_bytes);
  if (!content && content.error().code == sys::Errc::kNotFound) {
    return oci::fail(ErrorCode::kBlobUnknown, "blob unknown to registry", blob->digest.str());
  }
  if (!content) return storage_failure(content.error());
  return std::move(*content);
}

std::optional<BlobInfo> Registry::cached_blob(std::string_view repository,
                                              std::string_view digest_text) {
  auto digest = parse_blob_digest(repository, digest_text);
  if (!digest) return std::nullopt;
  auto size = store_.cached_linked_blob(repository, digest->str());
  if (!size) return std::nullopt;
  return BlobInfo{std::move(*digest), *size};
}

Result<std::unique_ptr<storage::Reader>> Registry::open_blob(const BlobInfo& blob,
                                                             std::uint64_t offset) {
  auto reader = driver_.reader(blob_path(blob.digest), offset);
  if (!reader && reader.error().code == sys::Errc::kNotFound) {
    return oci::fail(ErrorCode::kBlobUnknown, "blob unknown to registry", blob.digest.str());
  }
  if (!reader) return storage_failure(reader.error());
  return std::move(*reader);
}

std::optional<std::string> Registry::blob_url(const BlobInfo& blob) {
  // As long as distribution's: a client that pauses between its GETs still finds them valid.
  constexpr std::chrono::minutes kBlobUrlExpiry{20};
  storage::PresignedUrlDriver* urls = storage::presigned_urls(driver_);
  if (urls == nullptr) return std::nullopt;
  return urls->presigned_url(blob_path(blob.digest), kBlobUrlExpiry);
}

Result<void> Registry::delete_blob(std::string_view repository, std::string_view digest_text) {
  if (auto ok = check_writable(); !ok) return ok;
  if (!options_.delete_enabled) return oci::fail(ErrorCode::kUnsupported, "deletes are disabled");
  auto digest = parse_blob_digest(repository, digest_text);
  if (!digest) return std::unexpected(digest.error());
  auto unlinked = store_.unlink_blob(repository, digest->str());
  if (!unlinked) return std::unexpected(unlinked.error());
  if (!*unlinked)
    return oci::fail(ErrorCode::kBlobUnknown, "blob unknown to registry", digest->str());
  return {};
}

Result<BlobInfo> Registry::mount_blob(std::string_view repository, std::string_view digest_text,
                                      std::string_view from) {
  if (auto ok = check_writable(); !ok) return std::unexpected(ok.error());
  if (!oci::is_valid_repository_name(from)) {
    return oci::fail(ErrorCode::kNameInvalid, "invalid repository name", std::string(from));
  }
  auto source = stat_blob(from, digest_text);
  if (!source) return source;
  if (!oci::is_valid_repository_name(repository)) {
    return oci::fail(ErrorCode::kNameInvalid, "invalid repository name");
  }
  // Claimed, then looked for: GC may have removed the bytes before the claim.
  if (auto claimed = claim_blob(source->digest, source->size); !claimed) {
    return std::unexpected(claimed.error());
  }
  if (auto stored = driver_.stat(blob_path(source->digest)); !stored) {
    return oci::fail(ErrorCode::kBlobUnknown, "blob unknown to registry", source->digest.str());
  }
  if (auto linked = store_.link_blob(repository, source->digest.str()); !linked) {
    return std::unexpected(linked.error());
  }
  return source;
}

Result<bool> Registry::link_stored_blob(std::string_view repository, const oci::Digest& digest,
                                        std::uint64_t size) {
  if (auto ok = check_writable(); !ok) return std::unexpected(ok.error());
  // Claimed, then looked for: GC may have removed the bytes before the claim.
  if (auto claimed = claim_blob(digest, size); !claimed) return std::unexpected(claimed.error());
  auto stored = driver_.stat(blob_path(digest));
  if (!stored || stored->size != size) return false;
  if (auto linked = store_.link_blob(repository, digest.str()); !linked) {
    return std::unexpected(linked.error());
  }
  return true;
}

}  // namespace registry
