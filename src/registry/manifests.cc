// Manifests: validated on the way in, served byte for byte on the way out.
#include "oci/manifest.h"
#include "oci/name.h"
#include "registry/paths.h"
#include "registry/registry.h"

namespace registry {
namespace {

using oci::ErrorCode;

// A reference in a manifest URL: a digest or a tag.
struct ManifestReference {
  std::optional<oci::Digest> digest;
  std::string tag;
};

Result<ManifestReference> parse_reference(std::string_view repository, std::string_view text) {
  if (!oci::is_valid_repository_name(repository)) {
    return oci::fail(ErrorCode::kNameInvalid, "invalid repository name");
  }
  if (text.find(':') != std::string_view::npos) {
    auto digest = oci::Digest::parse(text);
    if (!digest) return std::unexpected(digest.error());
    return ManifestReference{*digest, {}};
  }
  if (!oci::is_valid_tag(text)) {
    return oci::fail(ErrorCode::kManifestInvalid, "invalid tag", std::string(text.substr(0, 256)));
  }
  return ManifestReference{std::nullopt, std::string(text)};
}

// Manifests are small; this bound only protects against a damaged store.
constexpr std::uint64_t kMaxStoredManifest = std::uint64_t{64} << 20;

}  // namespace

Result<ManifestContent> Registry::get_manifest(std::string_view repository,
                                               std::string_view reference) {
  auto ref = parse_reference(repository, reference);
  if (!ref) {
    if (ref.error().code == ErrorCode::kManifestInvalid) {
      return oci::fail(ErrorCode::kManifestUnknown, "manifest unknown", ref.error().detail);
    }
    return std::unexpected(ref.error());
  }
  // Pulls by tag are what a registry answers most: no copy here that a move can spare.
  std::optional<oci::Digest> digest = std::move(ref->digest);
  if (!digest) {
    auto tagged = store_.tag(repository, ref->tag);
    if (!tagged) return std::unexpected(tagged.error());
    if (!*tagged) return oci::fail(ErrorCode::kManifestUnknown, "manifest unknown", ref->tag);
    auto parsed = oci::Digest::parse(**tagged);
    if (!parsed) return std::unexpected(parsed.error());
    digest = std::move(*parsed);
  }
  const std::string& digest_text = digest->str();
  auto record = store_.manifest(repository, digest_text);
  if (!record) return std::unexpected(record.error());
  if (!*record) return oci::fail(ErrorCode::kManifestUnknown, "manifest unknown", digest_text);

  auto bytes = manifest_cache_.get(digest_text);
  if (!bytes) {
    auto content = driver_.get_content(blob_path(*digest), kMaxStoredManifest);
    if (!content) return storage_failure(content.error());
    bytes = std::make_shared<const std::string>(std::move(*content));
    manifest_cache_.put(digest_text, bytes);
  }
  return ManifestContent{std::move(*digest), std::move((*record)->media_type), std::move(bytes)};
}

std::optional<ManifestContent> Registry::cached_manifest(std::string_view repository,
                                                         std::string_view reference) {
  auto ref = parse_reference(repository, reference);
  if (!ref) return std::nullopt;
  std::optional<oci::Digest> digest = std::move(ref->digest);
  if (!digest) {
    auto tagged = store_.cached_tag(repository, ref->tag);
    if (!tagged) return std::nullopt;
    auto parsed = oci::Digest::parse(*tagged);
    if (!parsed) return std::nullopt;
    digest = std::move(*parsed);
  }
  auto record = store_.cached_manifest(repository, digest->str());
  if (!record) return std::nullopt;
  auto bytes = manifest_cache_.get(digest->str());
  if (!bytes) return std::nullopt;
  return ManifestContent{std::move(*digest), std::move(record->media_type), std::move(bytes)};
}

Result<PutManifestResult> Registry::put_manifest(std::string_view repository,
                                                 std::string_view reference,
                                                 std::string_view content_type, std::string body) {
  return store_manifest(repository, reference, content_type, std::move(body),
                        References::kRequired);
}

Result<PutManifestResult> Registry::put_fetched_manifest(std::string_view repository,
                                                         std::string_view reference,
                                                         std::string_view content_type,
                                                         std::string body) {
  return store_manifest(repository, reference, content_type, std::move(body),
                        References::kFetchedLater);
}

Result<PutManifestResult> Registry::store_manifest(std::string_view repository,
                                                   std::string_view reference,
                                                   std::string_view content_type, std::string body,
                                                   References references) {
  if (auto ok = check_writable(); !ok) return std::unexpected(ok.error());
  auto ref = parse_reference(repository, reference);
  if (!ref) return std::unexpected(ref.error());
  if (body.size() > options_.max_manifest_bytes) {
    return oci::fail(ErrorCode::kSizeInvalid, "manifest too large",
                     "limit is " + std::to_string(options_.max_manifest_bytes) + " bytes");
  }
  auto manifest = oci::parse_manifest(body, content_type);
  if (!manifest) return std::unexpected(manifest.error());

  const oci::Digest digest =
      oci::digest_of(body, ref->digest ? ref->digest->algorithm() : oci::DigestAlgorithm::kSha256);
  if (ref->digest && *ref->digest != digest) {
    return oci::fail(ErrorCode::kDigestInvalid, "manifest digest does not match the reference",
                     "computed " + digest.str());
  }
  // Claimed before the bytes are looked for: from now on GC leaves them alone.
  if (auto claimed = claim_blob(digest, body.size()); !claimed) {
    return std::unexpected(claimed.error());
  }
  const std::string path = blob_path(digest);
  if (!driver_.stat(path)) {
    if (auto stored = driver_.put_content(path, body); !stored) {
      return storage_failure(stored.error());
    }
  }
  metadata::ManifestPut put;
  put.repository = std::string(repository);
  put.manifest = metadata::ManifestRecord{
      .digest = digest.str(),
      .media_type = manifest->media_type,
      .size = body.size(),
      .artifact_type = manifest->artifact_type,
      .subject = manifest->subject ? std::optional(manifest->subject->digest.str()) : std::nullopt,
      .annotations_json = manifest->annotations.is_object() ? manifest->annotations.dump() : "",
  };
  if (manifest->config) put.blob_digests.push_back(manifest->config->digest.str());
  for (const auto& layer : manifest->layers) put.blob_digests.push_back(layer.digest.str());
  for (const auto& child : manifest->manifests) put.manifest_digests.push_back(child.digest.str());
  if (!ref->digest) put.tag = ref->tag;
  if (references == References::kRequired) {
    // Checked by the store in the transaction that records the manifest (see gc.h).
    if (manifest->config) put.required_blobs.push_back(manifest->config->digest.str());
    for (const auto& layer : manifest->layers) {
      // Non-distributable: the bytes live elsewhere.
      if (layer.urls.empty()) put.required_blobs.push_back(layer.digest.str());
    }
    put.required_manifests = put.manifest_digests;
  }
  auto recorded = store_.put_manifest(put);
  if (!recorded) return std::unexpected(recorded.error());

  manifest_cache_.put(digest.str(), std::make_shared<const std::string>(std::move(body)));
  return PutManifestResult{digest, put.manifest.subject, put.manifest.media_type, put.manifest.size,
                           std::move(*recorded)};
}

Result<void> Registry::delete_manifest(std::string_view repository, std::string_view reference) {
  if (auto ok = check_writable(); !ok) return ok;
  if (!options_.delete_enabled) return oci::fail(ErrorCode::kUnsupported, "deletes are disabled");
  auto ref = parse_reference(repository, reference);
  if (!ref) return std::unexpected(ref.error());
  auto deleted = ref->digest ? store_.delete_manifest(repository, ref->digest->str())
                             : store_.delete_tag(repository, ref->tag);
  if (!deleted) return std::unexpected(deleted.error());
  if (!*deleted) {
    return oci::fail(ErrorCode::kManifestUnknown, "manifest unknown", std::string(reference));
  }
  return {};
}

}  // namespace registry
