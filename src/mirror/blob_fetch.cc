#include "mirror/blob_fetch.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace mirror {
namespace {

// Bytes are gathered into pieces this large before they are written and announced: fewer
// writes and wake-ups than the network's small reads, a short wait for the first byte.
constexpr std::size_t kPieceBytes = std::size_t{256} << 10;

}  // namespace

std::uint64_t BlobFetch::Progress::sendable() const {
  const std::uint64_t total = size.value_or(0);
  if (complete) return total;
  return total == 0 ? 0 : std::min(written, total - 1);
}

BlobFetch::BlobFetch(registry::Registry& registry, std::string repository, oci::Digest digest)
    : registry_(registry), repository_(std::move(repository)), digest_(std::move(digest)) {}

BlobFetch::Progress BlobFetch::progress() const {
  std::lock_guard lock(mutex_);
  return progress_;
}

bool BlobFetch::differs(const Progress& now, const Progress& seen) {
  return now.size.has_value() != seen.size.has_value() || now.written > seen.written ||
         now.ended() != seen.ended();
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
  std::lock_guard commit(commit_mutex_);
  std::string upload_id;
  std::uint64_t size = 0;
  {
    std::lock_guard lock(mutex_);
    if (progress_.error) return std::unexpected(*progress_.error);
    size = progress_.size.value_or(0);
    if (!committed_) upload_id = upload_id_;
  }
  if (upload_id.empty()) return registry_.open_blob({digest_, size}, offset);
  return registry_.read_upload(upload_id, offset);
}

std::uint64_t BlobFetch::run(const Source& source, const std::function<bool()>& keep_going) {
  if (auto stored = registry_.stat_blob(repository_, digest_.str())) {
    {
      std::lock_guard commit(commit_mutex_);
      committed_ = true;
    }
    update([&](Progress& progress) {
      progress.size = stored->size;
      progress.written = stored->size;
      progress.complete = true;
    });
    return 0;
  }
  oci::Result<std::uint64_t> fetched = fetch(source, keep_going);
  if (!fetched) {
    update([&](Progress& progress) { progress.error = fetched.error(); });
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
  auto adopted = registry_.link_stored_blob(repository_, digest_, expected);
  if (!adopted) return std::unexpected(std::move(adopted.error()));
  if (*adopted) {
    {
      std::lock_guard commit(commit_mutex_);
      committed_ = true;
    }
    update([&](Progress& progress) {
      progress.size = expected;
      progress.written = expected;
    });
    return 0;
  }

  auto upload = registry_.start_upload(repository_);
  if (!upload) return std::unexpected(std::move(upload.error()));
  auto appender = registry_.append_upload(repository_, upload->id, std::nullopt, expected);
  if (!appender) {
    (void)registry_.cancel_upload(repository_, upload->id);
    return std::unexpected(std::move(appender.error()));
  }
  {
    std::lock_guard lock(mutex_);
    upload_id_ = upload->id;
  }
  update([&](Progress& progress) { progress.size = expected; });

  std::uint64_t written = 0;
  std::vector<std::byte> piece;
  piece.reserve(kPieceBytes);
  const auto flush = [&]() -> oci::Result<void> {
    if (piece.empty()) return {};
    if (auto ok = (*appender)->write(piece); !ok) return ok;
    written += piece.size();
    piece.clear();
    update([&](Progress& progress) { progress.written = written; });
    return {};
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
    appender->reset();
    (void)registry_.cancel_upload(repository_, upload->id);
    return std::unexpected(std::move(read.error()));
  }
  std::lock_guard commit(commit_mutex_);
  auto linked = registry_.complete_upload(repository_, std::move(*appender), digest_.str());
  if (!linked) return std::unexpected(std::move(linked.error()));
  committed_ = true;
  return written;
}

}  // namespace mirror
