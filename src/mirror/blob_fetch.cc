#include "mirror/blob_fetch.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <utility>

namespace mirror {
namespace {

// Bytes are gathered into pieces this large before they are written and announced: fewer
// writes and wake-ups than the network's small reads, a short wait for the first byte.
constexpr std::size_t kPieceBytes = std::size_t{256} << 10;
// A fetch this long records that its upload is alive, so that no purge of stale uploads (by
// this process or another sharing the storage) removes it meanwhile.
constexpr std::chrono::seconds kTouchInterval{60};

// What a requester is told when the fetch failed.
oci::Error for_requester(oci::Error error) {
  using oci::ErrorCode;
  if (error.code == ErrorCode::kBlobUnknown || error.code == ErrorCode::kNotFound) {
    return oci::Error{ErrorCode::kBlobUnknown, std::move(error.message), std::move(error.detail)};
  }
  if (error.code == ErrorCode::kInternal) return error;
  return oci::Error{ErrorCode::kInternal, "fetching the blob failed: " + error.message,
                    std::move(error.detail)};
}

}  // namespace

std::uint64_t BlobFetch::Progress::sendable(std::uint64_t offset, std::uint64_t length) const {
  if (verified || complete) return length;
  if (written <= offset || length == 0) return 0;
  return std::min(written - offset, length - 1);
}

BlobFetch::BlobFetch(registry::Registry& registry, std::string repository, oci::Digest digest,
                     storage::Driver* spool, const LeaseContext* cluster)
    : registry_(registry),
      repository_(std::move(repository)),
      digest_(std::move(digest)),
      spool_(spool),
      cluster_(cluster) {}

BlobFetch::Progress BlobFetch::progress() const {
  std::lock_guard lock(mutex_);
  return progress_;
}

bool BlobFetch::differs(const Progress& now, const Progress& seen) {
  return now.size.has_value() != seen.size.has_value() || now.written > seen.written ||
         now.verified != seen.verified || now.ended() != seen.ended();
}

void BlobFetch::when_changed(const Progress& seen, std::function<void()> wake) {
  {
    std::lock_guard lock(mutex_);
    if (!differs(progress_, seen)) {
      waiters_.push_back({seen, std::move(wake)});
      return;
    }
  }
  wake();
}

void BlobFetch::update(const std::function<void(Progress&)>& change) {
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard lock(mutex_);
    change(progress_);
    const auto moved = std::ranges::partition(
        waiters_, [&](const Waiter& waiter) { return !differs(progress_, waiter.seen); });
    for (auto it = moved.begin(); it != moved.end(); ++it) ready.push_back(std::move(it->wake));
    waiters_.erase(moved.begin(), moved.end());
  }
  for (auto& wake : ready) wake();
}

oci::Result<std::unique_ptr<storage::Reader>> BlobFetch::open(std::uint64_t offset) {
  std::string upload_id;
  std::string spool_path;
  std::uint64_t size = 0;
  {
    std::lock_guard lock(mutex_);
    if (progress_.error) return std::unexpected(*progress_.error);
    size = progress_.size.value_or(0);
    if (!committed_) {
      upload_id = upload_id_;
      spool_path = spool_path_;
    }
  }
  // The spool goes once the blob is stored: a reader that lost that race reads the blob.
  if (!spool_path.empty()) {
    if (auto reader = spool_->reader(spool_path, offset)) return std::move(*reader);
    return registry_.open_blob({digest_, size}, offset);
  }
  // The commit moves the upload's file to the blob's place: the bytes are under one of the
  // two, and a reader opened on the upload keeps reading after the move.
  if (!upload_id.empty()) {
    if (auto reader = registry_.read_upload(upload_id, offset)) return reader;
  }
  return registry_.open_blob({digest_, size}, offset);
}

std::uint64_t BlobFetch::run(const Source& source, const std::function<bool()>& keep_going) {
  if (auto stored = registry_.stat_blob(repository_, digest_.str())) {
    update([&](Progress& progress) {
      committed_ = true;
      progress.size = stored->size;
      progress.written = stored->size;
      progress.complete = true;
    });
    return 0;
  }
  oci::Result<std::uint64_t> fetched = fetch(source, keep_going);
  if (!fetched) {
    update([&](Progress& progress) { progress.error = for_requester(fetched.error()); });
    return 0;
  }
  update([](Progress& progress) { progress.complete = true; });
  return *fetched;
}

void BlobFetch::abandon(const oci::Error& error) {
  update([&](Progress& progress) {
    if (!progress.ended()) progress.error = error;
  });
}

oci::Result<std::uint64_t> BlobFetch::fetch(const Source& source,
                                            const std::function<bool()>& keep_going) {
  auto size = source.size();
  if (!size) return std::unexpected(std::move(size.error()));
  if (!*size) {
    return oci::fail(oci::ErrorCode::kBlobUnknown, "blob unknown to the upstream", digest_.str());
  }
  const std::uint64_t expected = **size;
  // Another repository of the cache holds these bytes (a shared base layer): no download.
  const auto adopt = [&]() -> oci::Result<bool> {
    auto adopted = registry_.link_stored_blob(repository_, digest_, expected);
    if (adopted && *adopted) {
      update([&](Progress& progress) {
        committed_ = true;
        progress.size = expected;
        progress.written = expected;
      });
    }
    return adopted;
  };
  auto adopted = adopt();
  if (!adopted) return std::unexpected(std::move(adopted.error()));
  if (*adopted) return 0;

  // Another process of the cluster may be fetching the blob: wait until it is stored. The size
  // is known already, so that requesters get their response heads meanwhile.
  std::optional<ClusterLease> lease;
  if (cluster_ != nullptr) {
    update([&](Progress& progress) { progress.size = expected; });
    lease.emplace(*cluster_, "blob-fetch/" + digest_.str());
    auto taken = lease->take(adopt, keep_going);
    if (!taken) return std::unexpected(std::move(taken.error()));
    if (*taken == ClusterLease::Outcome::kStopped) {
      return oci::fail(oci::ErrorCode::kInternal, "the server is stopping");
    }
    if (*taken == ClusterLease::Outcome::kDoneElsewhere) return 0;
    // Stored between the first look and the lease: nothing to fetch either.
    adopted = adopt();
    if (!adopted) return std::unexpected(std::move(adopted.error()));
    if (*adopted) return 0;
  }

  auto upload = registry_.start_upload(repository_);
  if (!upload) return std::unexpected(std::move(upload.error()));
  auto appender =
      registry_.append_upload(repository_, upload->id, std::nullopt, expected, &digest_);
  if (!appender) {
    (void)registry_.cancel_upload(repository_, upload->id);
    return std::unexpected(std::move(appender.error()));
  }
  std::unique_ptr<storage::Writer> spooled;
  if (spool_ != nullptr) {
    auto started = start_spool(upload->id);
    if (!started) {
      (*appender)->abandon();
      appender->reset();
      (void)registry_.cancel_upload(repository_, upload->id);
      return std::unexpected(std::move(started.error()));
    }
    spooled = std::move(*started);
  }
  {
    std::lock_guard lock(mutex_);
    upload_id_ = upload->id;
  }
  update([&](Progress& progress) { progress.size = expected; });

  std::uint64_t written = 0;
  std::vector<std::byte> piece;
  piece.reserve(kPieceBytes);
  auto touched = std::chrono::steady_clock::now();
  const auto flush = [&]() -> oci::Result<void> {
    if (piece.empty()) return {};
    if (auto ok = (*appender)->write(piece); !ok) return ok;
    if (spooled) {
      if (auto ok = spooled->write(piece); !ok) {
        return oci::fail(oci::ErrorCode::kInternal, "writing the fetch spool failed",
                         ok.error().message);
      }
    }
    written += piece.size();
    piece.clear();
    update([&](Progress& progress) { progress.written = written; });
    if (lease) (void)lease->keep();
    if (std::chrono::steady_clock::now() - touched > kTouchInterval) {
      touched = std::chrono::steady_clock::now();
      return (*appender)->touch();
    }
    return {};
  };
  const auto discard = [&] {
    (*appender)->abandon();
    appender->reset();
    (void)registry_.cancel_upload(repository_, upload->id);
    drop_spool();
  };
  const client::ByteSink sink = [&](std::span<const std::byte> bytes) -> oci::Result<void> {
    if (!keep_going()) return oci::fail(oci::ErrorCode::kInternal, "the server is stopping");
    if (written + piece.size() + bytes.size() > expected) {
      return oci::fail(oci::ErrorCode::kDigestInvalid,
                       fmt::format("the upstream sent more than the blob's {} bytes", expected));
    }
    piece.insert(piece.end(), bytes.begin(), bytes.end());
    return piece.size() >= kPieceBytes ? flush() : oci::Result<void>{};
  };

  oci::Result<void> read = source.read(0, sink);
  if (read) read = flush();
  if (read && written != expected) {
    read = oci::fail(oci::ErrorCode::kDigestInvalid,
                     fmt::format("the upstream sent {} of the blob's {} bytes", written, expected));
  }
  if (!read) {
    discard();
    return std::unexpected(std::move(read.error()));
  }
  // The running SHA-256 lets readers have the last byte before the fsync; another algorithm
  // is checked by complete_upload, and the last byte waits for it.
  if (digest_.algorithm() == oci::DigestAlgorithm::kSha256) {
    auto actual = (*appender)->digest();
    if (!actual || *actual != digest_) {
      discard();
      if (!actual) return std::unexpected(std::move(actual.error()));
      return oci::fail(oci::ErrorCode::kDigestInvalid,
                       "the upstream's bytes do not match the digest", "computed " + actual->str());
    }
    update([](Progress& progress) { progress.verified = true; });
  }

  auto linked = registry_.complete_upload(repository_, std::move(*appender), digest_.str());
  if (!linked) {
    (void)registry_.cancel_upload(repository_, upload->id);
    drop_spool();
    return std::unexpected(std::move(linked.error()));
  }
  {
    std::lock_guard lock(mutex_);
    committed_ = true;
  }
  drop_spool();
  return written;
}

oci::Result<std::unique_ptr<storage::Writer>> BlobFetch::start_spool(const std::string& upload_id) {
  const std::string path = "fetches/" + upload_id;
  auto writer = spool_->writer(path, 0);
  if (!writer) {
    return oci::fail(oci::ErrorCode::kInternal, "cannot create the fetch spool",
                     writer.error().message);
  }
  std::lock_guard lock(mutex_);
  spool_path_ = path;
  return std::move(*writer);
}

// Readers that opened the spool keep their open file; later ones read the stored blob.
void BlobFetch::drop_spool() {
  std::string path;
  {
    std::lock_guard lock(mutex_);
    path = std::exchange(spool_path_, "");
  }
  if (!path.empty()) (void)spool_->remove(path);
}

}  // namespace mirror
