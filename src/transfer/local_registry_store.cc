#include "transfer/local_registry_store.h"

#include <fmt/format.h>

#include <memory>
#include <span>

#include "oci/media_type.h"
#include "registry/storage_errors.h"

namespace transfer {
namespace {

using oci::ErrorCode;

// Blob bytes move in pieces of this size: bounded memory, few calls.
constexpr std::size_t kPieceBytes = std::size_t{1} << 20;
constexpr std::size_t kTagPage = 1000;

bool is_unknown(const oci::Error& error) {
  return error.code == ErrorCode::kManifestUnknown || error.code == ErrorCode::kBlobUnknown ||
         error.code == ErrorCode::kNameUnknown || error.code == ErrorCode::kNotFound;
}

// An upload being appended to. Dropping it records the upload's size in the metadata store,
// so it is dropped on a registry thread.
class OpenUpload {
 public:
  OpenUpload(RegistryThreads& threads, std::unique_ptr<registry::UploadAppender> appender)
      : threads_(threads), appender_(std::move(appender)) {}
  ~OpenUpload() {
    if (appender_) threads_.run([&] { appender_.reset(); });
  }
  OpenUpload(const OpenUpload&) = delete;
  OpenUpload& operator=(const OpenUpload&) = delete;

  registry::UploadAppender& operator*() { return *appender_; }
  std::unique_ptr<registry::UploadAppender> take() { return std::move(appender_); }

 private:
  RegistryThreads& threads_;
  std::unique_ptr<registry::UploadAppender> appender_;
};

}  // namespace

LocalRegistryStore::LocalRegistryStore(registry::Registry& registry, RegistryThreads& threads,
                                       std::string repository, std::stop_token stop)
    : registry_(registry),
      threads_(threads),
      repository_(std::move(repository)),
      stop_(std::move(stop)) {}

std::string LocalRegistryStore::describe() const { return "local:" + repository_; }

oci::Result<void> LocalRegistryStore::check_running() const {
  if (stop_.stop_requested()) {
    return oci::fail(ErrorCode::kInternal, "the registry is shutting down");
  }
  return {};
}

oci::Result<client::FetchedManifest> LocalRegistryStore::get_manifest(std::string_view reference) {
  if (auto running = check_running(); !running) return std::unexpected(running.error());
  auto content = threads_.run([&] { return registry_.get_manifest(repository_, reference); });
  if (!content) return std::unexpected(content.error());
  return client::FetchedManifest{*content->bytes, content->media_type, content->digest};
}

oci::Result<std::vector<std::string>> LocalRegistryStore::list_tags() {
  std::vector<std::string> tags;
  std::string after;
  while (true) {
    if (auto running = check_running(); !running) return std::unexpected(running.error());
    auto page = threads_.run([&] { return registry_.tags(repository_, after, kTagPage); });
    if (!page) return std::unexpected(page.error());
    tags.insert(tags.end(), page->items.begin(), page->items.end());
    if (!page->more || page->items.empty()) return tags;
    after = page->items.back();
  }
}

oci::Result<std::vector<oci::Descriptor>> LocalRegistryStore::referrers(
    const oci::Digest& subject) {
  if (auto running = check_running(); !running) return std::unexpected(running.error());
  auto index =
      threads_.run([&] { return registry_.referrers(repository_, subject.str(), std::nullopt); });
  if (!index) return std::unexpected(index.error());
  auto parsed = oci::parse_manifest(*index, oci::media_type::kOciIndex);
  if (!parsed) return std::unexpected(parsed.error());
  return parsed->manifests;
}

oci::Result<void> LocalRegistryStore::read_blob(const oci::Descriptor& blob, std::int64_t offset,
                                                const client::ByteSink& sink) {
  if (auto running = check_running(); !running) return running;
  auto reader = threads_.run([&]() -> oci::Result<std::unique_ptr<storage::Reader>> {
    auto info = registry_.stat_blob(repository_, blob.digest.str());
    if (!info) return std::unexpected(info.error());
    return registry_.open_blob(*info, static_cast<std::uint64_t>(offset));
  });
  if (!reader) return std::unexpected(reader.error());
  std::vector<std::byte> buffer(kPieceBytes);
  while (true) {
    if (auto running = check_running(); !running) return running;
    auto n = (*reader)->read(buffer);
    if (!n) return registry::storage_failure(n.error());
    if (*n == 0) return {};
    if (auto taken = sink(std::span<const std::byte>(buffer.data(), *n)); !taken) return taken;
  }
}

oci::Result<bool> LocalRegistryStore::has_manifest(const oci::Digest& digest) {
  if (auto running = check_running(); !running) return std::unexpected(running.error());
  auto content = threads_.run([&] { return registry_.get_manifest(repository_, digest.str()); });
  if (content) return true;
  if (is_unknown(content.error())) return false;
  return std::unexpected(content.error());
}

oci::Result<void> LocalRegistryStore::put_manifest(std::string_view body,
                                                   std::string_view media_type,
                                                   const oci::Digest& digest,
                                                   std::string_view tag) {
  // By digest first: a tag then never points at something the registry refused.
  for (const std::string& reference : {digest.str(), std::string(tag)}) {
    if (reference.empty()) continue;
    if (auto running = check_running(); !running) return running;
    auto stored = threads_.run([&] {
      return registry_.put_manifest(repository_, reference, media_type, std::string(body));
    });
    if (!stored) return std::unexpected(stored.error());
    if (stored->digest != digest) {
      return oci::fail(ErrorCode::kDigestInvalid,
                       fmt::format("{}: the registry stored manifest {} as {}", describe(),
                                   digest.str(), stored->digest.str()));
    }
  }
  return {};
}

oci::Result<bool> LocalRegistryStore::has_blob(const oci::Descriptor& blob) {
  if (auto running = check_running(); !running) return std::unexpected(running.error());
  auto info = threads_.run([&] { return registry_.stat_blob(repository_, blob.digest.str()); });
  if (info) return true;
  if (is_unknown(info.error())) return false;
  return std::unexpected(info.error());
}

oci::Result<bool> LocalRegistryStore::mount_blob(const oci::Descriptor& blob,
                                                 const ImageStore& from) {
  if (auto running = check_running(); !running) return std::unexpected(running.error());
  const auto* other = dynamic_cast<const LocalRegistryStore*>(&from);
  if (other != nullptr && &other->registry_ == &registry_ && other->repository_ != repository_) {
    auto mounted = threads_.run(
        [&] { return registry_.mount_blob(repository_, blob.digest.str(), other->repository_); });
    if (mounted) return true;
    if (!is_unknown(mounted.error())) return std::unexpected(mounted.error());
  }
  // Bytes this registry holds already under another repository (a base layer that another
  // set, or pull-through, brought in) are linked, not copied again: the source has the blob,
  // so the repository may.
  if (blob.size < 0) return false;
  return threads_.run([&] {
    return registry_.link_stored_blob(repository_, blob.digest,
                                      static_cast<std::uint64_t>(blob.size));
  });
}

oci::Result<std::int64_t> LocalRegistryStore::resume_offset(const oci::Descriptor&) { return 0; }

oci::Result<void> LocalRegistryStore::write_blob(const oci::Descriptor& blob, std::int64_t offset,
                                                 const client::ByteSource& source) {
  if (offset != 0) {
    return oci::fail(ErrorCode::kBlobUploadInvalid,
                     fmt::format("{}: no upload of {} to resume", describe(), blob.digest.str()));
  }
  if (auto running = check_running(); !running) return running;
  auto upload = threads_.run([&] { return registry_.start_upload(repository_); });
  if (!upload) return std::unexpected(upload.error());
  auto written = stream_into_upload(blob, upload->id, source);
  if (!written) {
    // Nothing to resume from: the upload's bytes go now rather than at its expiry.
    (void)threads_.run([&] { return registry_.cancel_upload(repository_, upload->id); });
  }
  return written;
}

oci::Result<void> LocalRegistryStore::stream_into_upload(const oci::Descriptor& blob,
                                                         const std::string& upload_id,
                                                         const client::ByteSource& source) {
  const auto size = static_cast<std::uint64_t>(blob.size);
  auto appender = threads_.run([&] {
    return registry_.append_upload(repository_, upload_id, std::nullopt, size, &blob.digest);
  });
  if (!appender) return std::unexpected(appender.error());
  OpenUpload open(threads_, std::move(*appender));
  std::vector<std::byte> buffer(kPieceBytes);
  std::uint64_t received = 0;
  while (true) {
    if (auto running = check_running(); !running) return running;
    auto n = source(buffer);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) break;
    if (received + *n > size) {
      return oci::fail(ErrorCode::kSizeInvalid,
                       fmt::format("{}: blob {} has more than its {} bytes", describe(),
                                   blob.digest.str(), blob.size));
    }
    if (auto ok = (*open).write(std::span<const std::byte>(buffer.data(), *n)); !ok) return ok;
    received += *n;
  }
  if (received != size) {
    return oci::fail(ErrorCode::kSizeInvalid,
                     fmt::format("{}: blob {} ended after {} of its {} bytes", describe(),
                                 blob.digest.str(), received, blob.size));
  }
  // complete_upload verifies the digest of every byte before anything becomes visible.
  auto completed = threads_.run(
      [&] { return registry_.complete_upload(repository_, open.take(), blob.digest.str()); });
  if (!completed) return std::unexpected(completed.error());
  return {};
}

}  // namespace transfer
