#include "sync/sync_test_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstring>

#include "oci/media_type.h"

namespace imagesync::testing {

class MemoryStore final : public transfer::ImageStore {
 public:
  MemoryStore(MemoryRegistry& registry, std::string repository)
      : registry_(registry), repository_(std::move(repository)) {}

  std::string describe() const override { return "memory://" + registry_.host + "/" + repository_; }

  oci::Result<client::FetchedManifest> get_manifest(std::string_view reference) override {
    if (auto down = check(); !down) return std::unexpected(down.error());
    std::lock_guard lock(registry_.mutex_);
    auto& repo = registry_.repositories_[repository_];
    std::string digest(reference);
    if (!oci::Digest::is_valid(reference)) {
      auto tag = repo.tags.find(digest);
      if (tag == repo.tags.end()) return unknown(reference);
      digest = tag->second;
    }
    auto it = repo.manifests.find(digest);
    if (it == repo.manifests.end()) return unknown(reference);
    return client::FetchedManifest{it->second.first, it->second.second,
                                   *oci::Digest::parse(digest)};
  }
  oci::Result<std::vector<std::string>> list_tags() override {
    if (auto down = check(); !down) return std::unexpected(down.error());
    return registry_.tags(repository_);
  }
  oci::Result<std::vector<oci::Descriptor>> referrers(const oci::Digest&) override {
    if (auto down = check(); !down) return std::unexpected(down.error());
    return std::vector<oci::Descriptor>{};
  }
  oci::Result<void> read_blob(const oci::Descriptor& blob, std::int64_t offset,
                              const client::ByteSink& sink) override {
    if (auto down = check(); !down) return down;
    ++registry_.blob_reads;
    std::string bytes;
    {
      std::lock_guard lock(registry_.mutex_);
      auto& repo = registry_.repositories_[repository_];
      auto it = registry_.blobs_.find(blob.digest.str());
      if (!repo.blobs.contains(blob.digest.str()) || it == registry_.blobs_.end()) {
        return oci::fail(oci::ErrorCode::kBlobUnknown, "blob unknown");
      }
      bytes = it->second.substr(static_cast<std::size_t>(offset));
    }
    return sink(std::as_bytes(std::span(bytes.data(), bytes.size())));
  }
  oci::Result<bool> has_manifest(const oci::Digest& digest) override {
    if (auto down = check(); !down) return std::unexpected(down.error());
    return registry_.has_manifest(repository_, digest.str());
  }
  oci::Result<void> put_manifest(std::string_view body, std::string_view media_type,
                                 const oci::Digest& digest, std::string_view tag) override {
    if (auto down = check(); !down) return down;
    std::lock_guard lock(registry_.mutex_);
    auto& repo = registry_.repositories_[repository_];
    repo.manifests[digest.str()] = {std::string(body), std::string(media_type)};
    if (!tag.empty()) repo.tags[std::string(tag)] = digest.str();
    return {};
  }
  oci::Result<bool> has_blob(const oci::Descriptor& blob) override {
    if (auto down = check(); !down) return std::unexpected(down.error());
    std::lock_guard lock(registry_.mutex_);
    return registry_.repositories_[repository_].blobs.contains(blob.digest.str());
  }
  oci::Result<bool> mount_blob(const oci::Descriptor& blob,
                               const transfer::ImageStore& from) override {
    const auto* other = dynamic_cast<const MemoryStore*>(&from);
    if (other == nullptr || &other->registry_ != &registry_) return false;
    std::lock_guard lock(registry_.mutex_);
    if (!registry_.repositories_[other->repository_].blobs.contains(blob.digest.str())) {
      return false;
    }
    registry_.repositories_[repository_].blobs.insert(blob.digest.str());
    return true;
  }
  std::optional<MountPoint> mount_point() const override {
    return MountPoint{"memory://" + registry_.host, repository_};
  }
  oci::Result<bool> mount_blob_from(const oci::Descriptor& blob,
                                    std::string_view repository) override {
    if (auto down = check(); !down) return std::unexpected(down.error());
    std::lock_guard lock(registry_.mutex_);
    if (!registry_.repositories_[std::string(repository)].blobs.contains(blob.digest.str())) {
      return false;
    }
    registry_.repositories_[repository_].blobs.insert(blob.digest.str());
    return true;
  }
  oci::Result<std::int64_t> resume_offset(const oci::Descriptor&) override { return 0; }
  oci::Result<void> write_blob(const oci::Descriptor& blob, std::int64_t offset,
                               const client::ByteSource& source) override {
    if (auto down = check(); !down) return down;
    if (offset != 0) return oci::fail(oci::ErrorCode::kInternal, "no resume here");
    std::string bytes;
    std::byte buffer[4096];
    for (;;) {
      auto n = source(buffer);
      if (!n) return std::unexpected(n.error());
      if (*n == 0) break;
      bytes.append(reinterpret_cast<const char*>(buffer), *n);
    }
    if (oci::digest_of(bytes) != blob.digest) {
      return oci::fail(oci::ErrorCode::kDigestInvalid, "digest mismatch");
    }
    registry_.put_blob(repository_, bytes);
    return {};
  }

 private:
  oci::Result<void> check() const {
    ++registry_.requests;
    if (registry_.down) return oci::fail(oci::ErrorCode::kInternal, "connection refused");
    return {};
  }
  std::unexpected<oci::Error> unknown(std::string_view reference) const {
    return oci::fail(oci::ErrorCode::kManifestUnknown,
                     fmt::format("manifest {} unknown in {}", reference, repository_));
  }
  MemoryRegistry& registry_;
  std::string repository_;
};

std::unique_ptr<transfer::ImageStore> MemoryRegistry::open(const std::string& repository) {
  return std::make_unique<MemoryStore>(*this, repository);
}

std::string MemoryRegistry::put_blob(const std::string& repository, const std::string& bytes) {
  const std::string digest = oci::digest_of(bytes).str();
  std::lock_guard lock(mutex_);
  blobs_[digest] = bytes;
  repositories_[repository].blobs.insert(digest);
  return digest;
}

namespace {

nlohmann::json descriptor(std::string_view media_type, const std::string& bytes) {
  return {
      {"mediaType", media_type}, {"digest", oci::digest_of(bytes).str()}, {"size", bytes.size()}};
}

}  // namespace

std::string MemoryRegistry::push_image(const std::string& repository, const std::string& tag,
                                       const std::vector<std::string>& layers,
                                       const std::string& platform) {
  const auto slash = platform.find('/');
  const std::string config = nlohmann::json{
      {"architecture", platform.substr(slash + 1)},
      {"os", platform.substr(0, slash)},
      {"rootfs",
       {{"type", "layers"}}}}.dump();
  put_blob(repository, config);
  nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config", descriptor("application/vnd.oci.image.config.v1+json", config)},
      {"layers", nlohmann::json::array()}};
  for (const auto& layer : layers) {
    put_blob(repository, layer);
    manifest["layers"].push_back(descriptor("application/vnd.oci.image.layer.v1.tar", layer));
  }
  const std::string body = manifest.dump();
  const std::string digest = oci::digest_of(body).str();
  std::lock_guard lock(mutex_);
  auto& repo = repositories_[repository];
  repo.manifests[digest] = {body, "application/vnd.oci.image.manifest.v1+json"};
  if (!tag.empty()) repo.tags[tag] = digest;
  return digest;
}

std::string MemoryRegistry::push_index(const std::string& repository, const std::string& tag,
                                       const std::vector<std::string>& platforms) {
  nlohmann::json index = {{"schemaVersion", 2},
                          {"mediaType", "application/vnd.oci.image.index.v1+json"},
                          {"manifests", nlohmann::json::array()}};
  for (const auto& platform : platforms) {
    const std::string digest = push_image(repository, "", {platform + "-layer"}, platform);
    std::string body;
    {
      std::lock_guard lock(mutex_);
      body = repositories_[repository].manifests[digest].first;
    }
    const auto slash = platform.find('/');
    auto entry = descriptor("application/vnd.oci.image.manifest.v1+json", body);
    entry["platform"] = {{"os", platform.substr(0, slash)},
                         {"architecture", platform.substr(slash + 1)}};
    index["manifests"].push_back(entry);
  }
  const std::string body = index.dump();
  const std::string digest = oci::digest_of(body).str();
  std::lock_guard lock(mutex_);
  auto& repo = repositories_[repository];
  repo.manifests[digest] = {body, "application/vnd.oci.image.index.v1+json"};
  if (!tag.empty()) repo.tags[tag] = digest;
  return digest;
}

std::vector<std::string> MemoryRegistry::tags(const std::string& repository) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  auto it = repositories_.find(repository);
  if (it == repositories_.end()) return out;
  for (const auto& [tag, digest] : it->second.tags) out.push_back(tag);
  return out;
}

bool MemoryRegistry::has_manifest(const std::string& repository, const std::string& digest) const {
  std::lock_guard lock(mutex_);
  auto it = repositories_.find(repository);
  return it != repositories_.end() && it->second.manifests.contains(digest);
}

std::string MemoryRegistry::tag_digest(const std::string& repository,
                                       const std::string& tag) const {
  std::lock_guard lock(mutex_);
  auto it = repositories_.find(repository);
  if (it == repositories_.end()) return {};
  auto t = it->second.tags.find(tag);
  return t == it->second.tags.end() ? std::string() : t->second;
}

std::size_t MemoryRegistry::blob_count() const {
  std::lock_guard lock(mutex_);
  return blobs_.size();
}

void MemoryRegistry::remove_blob(const std::string& digest) {
  std::lock_guard lock(mutex_);
  blobs_.erase(digest);
  for (auto& [name, repo] : repositories_) repo.blobs.erase(digest);
}

oci::Result<std::unique_ptr<transfer::ImageStore>> MemoryRepositories::open_source(
    const oci::Reference& repository) {
  return registry(repository.domain()).open(repository.path());
}

oci::Result<std::unique_ptr<transfer::ImageStore>> MemoryRepositories::open_destination(
    const oci::Reference& repository, const Destination&) {
  return registry(repository.domain()).open(repository.path());
}

SyncConfig config_of(const std::string& yaml) {
  auto config = parse_sync_config(yaml, "sync.yaml");
  EXPECT_TRUE(config.has_value()) << config.error().message;
  return config ? *config : SyncConfig{};
}

}  // namespace imagesync::testing
