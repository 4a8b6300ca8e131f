#include "transfer/layout_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

#include "oci/media_type.h"
#include "sys/directories.h"
#include "sys/file.h"
#include "transfer/small_file.h"

namespace transfer {
namespace {

constexpr std::int64_t kMaxManifestSize = std::int64_t{4} * 1024 * 1024;  // as the registry client
constexpr std::int64_t kMaxIndexSize = std::int64_t{64} * 1024 * 1024;  // air-gap layouts name many
constexpr std::size_t kChunkSize = std::size_t{1024} * 1024;
constexpr std::string_view kLayoutVersion = R"({"imageLayoutVersion":"1.0.0"})";

// A manifest read by digest has only its body to say what it is.
std::string body_media_type(std::string_view body) {
  const auto document = nlohmann::json::parse(body, nullptr, false);
  if (!document.is_object()) return std::string(oci::media_type::kOciManifest);
  if (const auto it = document.find("mediaType"); it != document.end() && it->is_string()) {
    return it->get<std::string>();
  }
  return std::string(document.contains("manifests") ? oci::media_type::kOciIndex
                                                    : oci::media_type::kOciManifest);
}

oci::Digest hash_of(std::string_view bytes, oci::DigestAlgorithm algorithm) {
  oci::DigestHasher hasher(algorithm);
  hasher.update(bytes);
  return hasher.finish();
}

bool known_bad_content(const oci::Error& error) {
  return error.code == oci::ErrorCode::kDigestInvalid || error.code == oci::ErrorCode::kSizeInvalid;
}

}  // namespace

oci::Result<std::unique_ptr<LayoutStore>> LayoutStore::open(std::filesystem::path directory,
                                                            LayoutOptions options) {
  const std::string name = "oci:" + directory.string();
  const std::filesystem::path layout_file = directory / "oci-layout";
  std::error_code error;
  if (options.create && !std::filesystem::exists(layout_file, error)) {
    if (std::filesystem::exists(directory, error) && !std::filesystem::is_empty(directory, error)) {
      return oci::fail(oci::ErrorCode::kNameInvalid,
                       name + ": not an OCI image layout (no oci-layout file) and not empty");
    }
    if (auto made = sys::create_directories(directory / "blobs" / "sha256"); !made) {
      return oci::fail(oci::ErrorCode::kInternal, name + ": " + made.error().message);
    }
    auto written = write_file_atomically(directory / "index.json", LayoutIndex().serialize());
    // Written last: its presence says the layout is complete.
    if (written) written = write_file_atomically(layout_file, kLayoutVersion);
    if (!written) return oci::fail(written.error().code, name + ": " + written.error().message);
  }

  auto layout = read_small_file(layout_file, std::int64_t{64} * 1024);
  if (!layout) {
    return oci::fail(layout.error().code == oci::ErrorCode::kNotFound ? oci::ErrorCode::kNameUnknown
                                                                      : layout.error().code,
                     name + ": not an OCI image layout: " + layout.error().message);
  }
  const auto version = nlohmann::json::parse(*layout, nullptr, false);
  if (!version.is_object() || !version.contains("imageLayoutVersion") ||
      !version["imageLayoutVersion"].is_string()) {
    return oci::fail(oci::ErrorCode::kManifestInvalid,
                     name + ": oci-layout has no imageLayoutVersion");
  }
  auto index = read_index(directory);
  if (!index) return std::unexpected(std::move(index.error()));
  return std::unique_ptr<LayoutStore>(
      new LayoutStore(std::move(directory), std::move(options), std::move(*index)));
}

oci::Result<LayoutIndex> LayoutStore::read_index(const std::filesystem::path& directory) {
  const std::string name = "oci:" + directory.string();
  auto text = read_small_file(directory / "index.json", kMaxIndexSize);
  if (!text && text.error().code == oci::ErrorCode::kNotFound) {
    return oci::fail(oci::ErrorCode::kNotFound, name + ": not an OCI layout: no index.json");
  }
  if (!text) return oci::fail(text.error().code, name + ": index.json: " + text.error().message);
  auto index = LayoutIndex::parse(*text);
  if (!index) return oci::fail(index.error().code, name + ": index.json: " + index.error().message);
  return index;
}

LayoutStore::LayoutStore(std::filesystem::path directory, LayoutOptions options, LayoutIndex index)
    : directory_(std::move(directory)), options_(std::move(options)), index_(std::move(index)) {}

std::string LayoutStore::describe() const { return "oci:" + directory_.string(); }

std::filesystem::path LayoutStore::blob_path(const std::filesystem::path& layout,
                                             const oci::Digest& digest) const {
  return layout / "blobs" / std::string(digest.algorithm_name()) / std::string(digest.hex());
}

std::optional<std::filesystem::path> LayoutStore::find_blob(const oci::Digest& digest) const {
  std::error_code error;
  if (auto path = blob_path(directory_, digest); std::filesystem::is_regular_file(path, error)) {
    return path;
  }
  for (const std::filesystem::path& other : options_.also_present_in) {
    if (auto path = blob_path(other, digest); std::filesystem::is_regular_file(path, error)) {
      return path;
    }
  }
  return std::nullopt;
}

oci::Result<client::FetchedManifest> LayoutStore::get_manifest(std::string_view reference) {
  std::optional<oci::Descriptor> entry;
  std::optional<oci::Digest> digest;
  {
    std::lock_guard lock(mutex_);
    if (reference.empty()) {
      // skopeo's oci:DIR without a name: the layout's only image (referrers aside).
      std::vector<oci::Descriptor> images;
      for (const oci::Descriptor& candidate : index_.entries()) {
        if (!facts_of(candidate).subject) images.push_back(candidate);
      }
      if (images.size() != 1) {
        return oci::fail(oci::ErrorCode::kManifestUnknown, describe() + " holds " +
                                                               std::to_string(images.size()) +
                                                               " images: name one (oci:DIR:NAME)");
      }
      entry = images.front();
    } else if (auto parsed = oci::Digest::parse(reference)) {
      digest = *parsed;
      for (const oci::Descriptor& candidate : index_.entries()) {
        if (candidate.digest == *digest) entry = candidate;
      }
    } else {
      entry = index_.find(reference);
      if (!entry) {
        return oci::fail(oci::ErrorCode::kManifestUnknown,
                         describe() + " has no image named \"" + std::string(reference) + "\"");
      }
    }
  }
  if (!digest) digest = entry->digest;
  auto fetched = read_manifest(*digest, entry ? entry->media_type : std::string());
  if (fetched && entry && static_cast<std::int64_t>(fetched->body.size()) != entry->size) {
    return oci::fail(
        oci::ErrorCode::kSizeInvalid,
        "manifest " + digest->str() + " in " + describe() + ": size mismatch with index.json");
  }
  return fetched;
}

oci::Result<client::FetchedManifest> LayoutStore::read_manifest(const oci::Digest& digest,
                                                                std::string media_type) {
  const auto path = find_blob(digest);
  if (!path) {
    return oci::fail(oci::ErrorCode::kManifestUnknown,
                     "manifest " + digest.str() + " not found in " + describe());
  }
  auto body = read_small_file(*path, kMaxManifestSize);
  if (!body) return std::unexpected(std::move(body.error()));
  if (const oci::Digest got = hash_of(*body, digest.algorithm()); got != digest) {
    return oci::fail(
        oci::ErrorCode::kDigestInvalid,
        "manifest " + digest.str() + " in " + describe() + ": digest mismatch: got " + got.str());
  }
  if (media_type.empty()) media_type = body_media_type(*body);
  return client::FetchedManifest{std::move(*body), std::move(media_type), digest};
}

oci::Result<std::vector<std::string>> LayoutStore::list_tags() {
  std::lock_guard lock(mutex_);
  return index_.names();
}

const LayoutStore::ManifestFacts& LayoutStore::facts_of(const oci::Descriptor& entry) {
  if (const auto it = facts_.find(entry.digest.str()); it != facts_.end()) return it->second;
  ManifestFacts facts;
  // A manifest that cannot be read or parsed refers to nothing; listing the others still works.
  if (auto fetched = read_manifest(entry.digest, entry.media_type)) {
    if (auto manifest = oci::parse_manifest(fetched->body, fetched->media_type)) {
      if (manifest->subject) facts.subject = manifest->subject->digest;
      facts.artifact_type = std::move(manifest->artifact_type);
      facts.annotations = std::move(manifest->annotations);
    }
  }
  return facts_.emplace(entry.digest.str(), std::move(facts)).first->second;
}

oci::Result<std::vector<oci::Descriptor>> LayoutStore::referrers(const oci::Digest& subject) {
  std::lock_guard lock(mutex_);
  std::vector<oci::Descriptor> found;
  for (const oci::Descriptor& entry : index_.entries()) {
    const ManifestFacts& facts = facts_of(entry);
    if (facts.subject != subject) continue;
    found.push_back(oci::Descriptor{.media_type = entry.media_type,
                                    .digest = entry.digest,
                                    .size = entry.size,
                                    .urls = {},
                                    .artifact_type = facts.artifact_type,
                                    .annotations = facts.annotations});
  }
  return found;
}

oci::Result<void> LayoutStore::read_blob(const oci::Descriptor& blob, std::int64_t offset,
                                         const client::ByteSink& sink) {
  const auto path = find_blob(blob.digest);
  if (!path) {
    return oci::fail(oci::ErrorCode::kBlobUnknown,
                     "blob " + blob.digest.str() + " not found in " + describe());
  }
  auto fd = sys::open_file(*path, O_RDONLY);
  if (!fd) return file_failure(std::move(fd.error()));
  if (offset > 0) {
    if (auto sought = sys::seek_to(fd->get(), static_cast<std::uint64_t>(offset), *path); !sought) {
      return file_failure(std::move(sought.error()));
    }
  }
  std::vector<std::byte> buffer(kChunkSize);
  while (true) {
    auto n = sys::read_some(fd->get(), buffer, *path);
    if (!n) return file_failure(std::move(n.error()));
    if (*n == 0) return {};
    if (auto sent = sink(std::span(buffer).first(*n)); !sent) return sent;
  }
}

oci::Result<bool> LayoutStore::has_manifest(const oci::Digest& digest) {
  return find_blob(digest).has_value();
}

oci::Result<void> LayoutStore::put_manifest(std::string_view body, std::string_view media_type,
                                            const oci::Digest& digest, std::string_view tag) {
  if (const oci::Digest got = hash_of(body, digest.algorithm()); got != digest) {
    return oci::fail(oci::ErrorCode::kDigestInvalid,
                     "manifest " + digest.str() + ": digest mismatch: got " + got.str());
  }
  auto manifest = oci::parse_manifest(body, media_type);
  if (!manifest) return std::unexpected(std::move(manifest.error()));
  const std::filesystem::path path = blob_path(directory_, digest);
  if (auto made = sys::create_directories(path.parent_path()); !made) {
    return file_failure(std::move(made.error()));
  }
  // Also when an earlier archive (--since) holds it: index.json then names it without
  // writing it again.
  if (!find_blob(digest)) {
    if (auto written = write_file_atomically(path, body); !written) return written;
  }

  oci::Descriptor entry{.media_type = manifest->media_type,
                        .digest = digest,
                        .size = static_cast<std::int64_t>(body.size()),
                        .urls = {},
                        .artifact_type = manifest->subject ? manifest->artifact_type : "",
                        .annotations = nullptr};
  std::lock_guard lock(mutex_);
  facts_.insert_or_assign(
      digest.str(),
      ManifestFacts{manifest->subject ? std::optional(manifest->subject->digest) : std::nullopt,
                    manifest->artifact_type, manifest->annotations});
  if (!tag.empty()) {
    index_.set_name(entry, tag);
    index_dirty_ = true;
  } else if (manifest->subject && index_.add_unnamed(entry)) {
    index_dirty_ = true;
  }
  return index_dirty_ ? save_index() : oci::Result<void>();
}

oci::Result<void> LayoutStore::save_index() {
  if (auto saved = write_file_atomically(directory_ / "index.json", index_.serialize()); !saved) {
    return saved;
  }
  index_dirty_ = false;
  return {};
}

oci::Result<bool> LayoutStore::has_blob(const oci::Descriptor& blob) {
  const auto path = find_blob(blob.digest);
  if (!path) return false;
  std::error_code error;
  const auto size = std::filesystem::file_size(*path, error);
  return !error && static_cast<std::int64_t>(size) == blob.size;
}

oci::Result<bool> LayoutStore::mount_blob(const oci::Descriptor&, const ImageStore&) {
  return false;
}

oci::Result<std::int64_t> LayoutStore::resume_offset(const oci::Descriptor& blob) {
  std::filesystem::path partial = blob_path(directory_, blob.digest);
  partial += ".partial";
  struct stat info {};
  if (::stat(partial.c_str(), &info) != 0) return 0;
  if (info.st_size > blob.size) {
    ::unlink(partial.c_str());
    return 0;
  }
  return static_cast<std::int64_t>(info.st_size);
}

oci::Result<void> LayoutStore::write_blob(const oci::Descriptor& blob, std::int64_t offset,
                                          const client::ByteSource& source) {
  {
    std::lock_guard lock(mutex_);
    if (!writing_.insert(blob.digest.str()).second) {
      return oci::fail(
          oci::ErrorCode::kBlobUploadInvalid,
          "blob " + blob.digest.str() + " is being written to " + describe() + " by another copy");
    }
  }
  auto written = write_blob_file(blob, offset, source);
  std::lock_guard lock(mutex_);
  writing_.erase(blob.digest.str());
  return written;
}

oci::Result<void> LayoutStore::write_blob_file(const oci::Descriptor& blob, std::int64_t offset,
                                               const client::ByteSource& source) {
  const std::filesystem::path path = blob_path(directory_, blob.digest);
  if (auto made = sys::create_directories(path.parent_path()); !made) {
    return file_failure(std::move(made.error()));
  }
  std::filesystem::path partial = path;
  partial += ".partial";
  auto fd = sys::open_file(partial, O_RDWR | O_CREAT | (offset == 0 ? O_TRUNC : 0));
  if (!fd) return file_failure(std::move(fd.error()));
  const auto discard = [&] { ::unlink(partial.c_str()); };

  oci::DigestHasher hasher(blob.digest.algorithm());
  std::vector<std::byte> buffer(kChunkSize);
  if (offset > 0) {
    // The kept bytes are hashed again: the digest covers the whole blob.
    auto held = sys::regular_file_size(fd->get(), partial);
    if (!held) return file_failure(std::move(held.error()));
    if (*held < static_cast<std::uint64_t>(offset)) {
      return oci::fail(oci::ErrorCode::kRangeInvalid, "cannot resume at " + std::to_string(offset) +
                                                          ": " + partial.string() + " holds " +
                                                          std::to_string(*held) + " bytes");
    }
    if (auto cut = sys::truncate_file(fd->get(), static_cast<std::uint64_t>(offset), partial);
        !cut) {
      return file_failure(std::move(cut.error()));
    }
    for (std::int64_t left = offset; left > 0;) {
      const auto want = static_cast<std::size_t>(std::min<std::int64_t>(left, kChunkSize));
      auto n = sys::read_some(fd->get(), std::span(buffer).first(want), partial);
      if (!n) return file_failure(std::move(n.error()));
      if (*n == 0) return oci::fail(oci::ErrorCode::kInternal, partial.string() + ": shrank");
      hasher.update(std::span(buffer).first(*n));
      left -= static_cast<std::int64_t>(*n);
    }
  }

  std::int64_t size = offset;
  while (true) {
    auto n = source(buffer);
    if (!n) {
      if (known_bad_content(n.error())) discard();
      return std::unexpected(std::move(n.error()));
    }
    if (*n == 0) break;
    if (size + static_cast<std::int64_t>(*n) > blob.size) {
      discard();
      return oci::fail(oci::ErrorCode::kSizeInvalid, "size mismatch: more than the " +
                                                         std::to_string(blob.size) +
                                                         " bytes the descriptor says");
    }
    const auto bytes = std::span<const std::byte>(buffer).first(*n);
    if (auto appended = sys::write_all(fd->get(), bytes, partial); !appended) {
      return file_failure(std::move(appended.error()));
    }
    hasher.update(bytes);
    size += static_cast<std::int64_t>(*n);
  }
  if (size != blob.size) {
    discard();
    return oci::fail(oci::ErrorCode::kSizeInvalid, "size mismatch: got " + std::to_string(size) +
                                                       " bytes, the descriptor says " +
                                                       std::to_string(blob.size));
  }
  if (const oci::Digest got = hasher.finish(); got != blob.digest) {
    discard();
    return oci::fail(oci::ErrorCode::kDigestInvalid, "digest mismatch: got " + got.str());
  }
  if (auto synced = sys::sync_file(fd->get(), partial); !synced) {
    return file_failure(std::move(synced.error()));
  }
  fd->reset();
  if (auto renamed = sys::rename_durably(partial, path); !renamed) {
    return file_failure(std::move(renamed.error()));
  }
  return {};
}

oci::Result<void> LayoutStore::finish() {
  std::lock_guard lock(mutex_);
  return index_dirty_ ? save_index() : oci::Result<void>();
}

}  // namespace transfer
