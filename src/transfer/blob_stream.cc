#include "transfer/blob_stream.h"

#include <algorithm>
#include <memory>
#include <string>
#include <thread>

#include "transfer/blob_pipe.h"

namespace transfer {
namespace {

// Times a download cut part way is continued from where it stopped.
constexpr int kReadRetries = 5;

// A feed's pipe and whether its destination stopped reading.
struct Outlet {
  BlobPipe pipe;
  bool dropped = false;
};

std::string size_mismatch(std::int64_t got, std::int64_t want) {
  return "size mismatch: got " + std::to_string(got) + " bytes, the descriptor says " +
         std::to_string(want);
}

// Reads the blob from `from` into every outlet (each from its feed's start). Returns the
// source's error, nullopt when the bytes were all there and right or when every destination
// stopped reading (their errors are the ones to report then).
std::optional<oci::Error> read_source(ImageStore& source, const std::vector<BlobFeed>& feeds,
                                      std::vector<std::unique_ptr<Outlet>>& outlets,
                                      const oci::Descriptor& blob, std::int64_t from,
                                      Progress& progress) {
  // With from > 0 the bytes before it are at the destinations: only they can hash them all.
  std::optional<oci::DigestHasher> hasher;
  if (from == 0) hasher.emplace(blob.digest.algorithm());
  const std::int64_t expected = blob.size - from;
  std::int64_t received = 0;
  bool nobody_reads = false;
  bool too_long = false;
  const auto sink = [&](std::span<const std::byte> bytes) -> oci::Result<void> {
    const auto n = static_cast<std::int64_t>(bytes.size());
    if (received + n > expected) {
      too_long = true;
      return oci::fail(oci::ErrorCode::kSizeInvalid, "size mismatch: more than the " +
                                                         std::to_string(blob.size) +
                                                         " bytes the descriptor says");
    }
    const std::int64_t at = from + received;  // where `bytes` start in the blob
    for (std::size_t i = 0; i < feeds.size(); ++i) {
      Outlet& outlet = *outlets[i];
      if (outlet.dropped) continue;
      const std::int64_t skip = std::clamp<std::int64_t>(feeds[i].start - at, 0, n);
      if (skip == n) continue;
      if (!outlet.pipe.write(bytes.subspan(static_cast<std::size_t>(skip)))) outlet.dropped = true;
    }
    if (std::ranges::all_of(outlets, [](const auto& outlet) { return outlet->dropped; })) {
      nobody_reads = true;
      return oci::fail(oci::ErrorCode::kInternal, "every destination stopped reading");
    }
    if (hasher) hasher->update(bytes);
    received += n;
    progress.blob_bytes(blob, from + received);
    return {};
  };
  // Nothing left to read when interrupted writes kept every byte (they ended before their
  // commit): a Range from the end would be refused (416), and the destinations still verify
  // what they hold.
  auto read = expected > 0 || from == 0 ? source.read_blob(blob, from, sink) : oci::Result<void>();
  // A download cut part way continues from the byte it reached (a Range request), the hash
  // carrying on over the bytes already passed on. Only while each attempt gets further: a
  // source that serves nothing has already had its request retries.
  std::int64_t reached = 0;
  for (int retry = 0;
       !read && !nobody_reads && !too_long && received > reached && retry < kReadRetries; ++retry) {
    reached = received;
    read = source.read_blob(blob, from + received, sink);
  }
  if (nobody_reads) return std::nullopt;
  if (!read) return read.error();
  if (received != expected) {
    return oci::Error{oci::ErrorCode::kSizeInvalid, size_mismatch(from + received, blob.size)};
  }
  if (hasher) {
    const oci::Digest got = hasher->finish();
    if (got != blob.digest) {
      return oci::Error{oci::ErrorCode::kDigestInvalid, "digest mismatch: got " + got.str()};
    }
  }
  return std::nullopt;
}

}  // namespace

void stream_blob(ImageStore& source, std::vector<BlobFeed>& feeds, const oci::Descriptor& blob,
                 Progress& progress) {
  if (feeds.empty()) return;
  std::vector<std::unique_ptr<Outlet>> outlets;
  outlets.reserve(feeds.size());
  for (std::size_t i = 0; i < feeds.size(); ++i) outlets.push_back(std::make_unique<Outlet>());
  std::vector<oci::Result<void>> written(feeds.size());
  std::optional<oci::Error> source_error;
  {
    std::vector<std::jthread> writers;
    writers.reserve(feeds.size());
    for (std::size_t i = 0; i < feeds.size(); ++i) {
      writers.emplace_back([&, i] {
        BlobPipe& pipe = outlets[i]->pipe;
        written[i] = feeds[i].destination->write_blob(blob, feeds[i].start, pipe.source());
        // Also after a success: a destination that stopped reading early must not leave the
        // reader blocked on a full pipe.
        pipe.cancel(written[i]
                        ? oci::Error{oci::ErrorCode::kInternal, "the destination stopped reading"}
                        : written[i].error());
      });
    }
    const std::int64_t from = std::ranges::min(feeds, {}, &BlobFeed::start).start;
    source_error = read_source(source, feeds, outlets, blob, from, progress);
    if (source_error) {
      source_error = oci::Error{
          source_error->code,
          "blob " + blob.digest.str() + " from " + source.describe() + ": " + source_error->message,
          source_error->detail};
    }
    for (auto& outlet : outlets) {
      if (source_error) {
        outlet->pipe.fail(*source_error);
      } else {
        outlet->pipe.close();
      }
    }
  }  // the writers are joined here
  for (std::size_t i = 0; i < feeds.size(); ++i) {
    // A destination that stopped reading before the read ended failed on its own; the others
    // fail with the source when it failed (their writes saw its error).
    if (source_error && !outlets[i]->dropped) {
      feeds[i].result = std::unexpected(*source_error);
    } else if (!written[i]) {
      const oci::Error& error = written[i].error();
      feeds[i].result = oci::fail(error.code,
                                  "blob " + blob.digest.str() + " to " +
                                      feeds[i].destination->describe() + ": " + error.message,
                                  error.detail);
    } else {
      feeds[i].result = oci::Result<void>();
    }
  }
}

}  // namespace transfer
