#include "transfer/copy_blob.h"

#include <optional>
#include <thread>

#include "transfer/blob_pipe.h"
#include "transfer/inflight_blobs.h"

namespace transfer {
namespace {

// Times a download cut part way is continued from where it stopped.
constexpr int kReadRetries = 5;

std::unexpected<oci::Error> blob_error(const oci::Error& error, const oci::Descriptor& blob,
                                       std::string_view direction, const ImageStore& store) {
  return oci::fail(error.code,
                   std::string("blob ")
                       .append(blob.digest.str())
                       .append(direction)
                       .append(store.describe())
                       .append(": ")
                       .append(error.message),
                   error.detail);
}

// Streams the blob from `offset`: a producer thread reads the source into the pipe while this
// thread lets the destination pull from it. Returns the bytes moved.
oci::Result<std::int64_t> stream_blob(ImageStore& source, ImageStore& destination,
                                      const oci::Descriptor& blob, std::int64_t offset,
                                      Progress& progress) {
  BlobPipe pipe;
  std::optional<oci::Error> source_error;  // written by the producer, read after join
  std::int64_t received = 0;
  std::jthread producer([&] {
    // With offset > 0 the bytes before it are at the destination: only it can hash them all.
    std::optional<oci::DigestHasher> hasher;
    if (offset == 0) hasher.emplace(blob.digest.algorithm());
    const std::int64_t expected = blob.size - offset;
    bool cancelled = false;
    bool sink_refused = false;
    const auto sink = [&](std::span<const std::byte> bytes) -> oci::Result<void> {
      if (received + static_cast<std::int64_t>(bytes.size()) > expected) {
        sink_refused = true;
        return oci::fail(oci::ErrorCode::kSizeInvalid, "size mismatch: more than the " +
                                                           std::to_string(blob.size) +
                                                           " bytes the descriptor says");
      }
      if (auto written = pipe.write(bytes); !written) {
        cancelled = true;
        return written;
      }
      if (hasher) hasher->update(bytes);
      received += static_cast<std::int64_t>(bytes.size());
      progress.blob_bytes(blob, offset + received);
      return {};
    };
    // Nothing left to read when an interrupted write kept every byte (it ended before its
    // commit): a Range from the end would be refused (416), and the destination still
    // verifies what it holds.
    auto read =
        expected > 0 || offset == 0 ? source.read_blob(blob, offset, sink) : oci::Result<void>();
    // A download cut part way continues from the byte it reached (a Range request), the
    // hash carrying on over the bytes already passed on. Only while each attempt gets
    // further: a source that serves nothing has already had its request retries.
    std::int64_t reached = 0;
    for (int retry = 0;
         !read && !cancelled && !sink_refused && received > reached && retry < kReadRetries;
         ++retry) {
      reached = received;
      read = source.read_blob(blob, offset + received, sink);
    }
    if (cancelled) return;  // the destination failed; its error is the one to report
    if (!read) {
      source_error = read.error();
    } else if (received != expected) {
      source_error = oci::Error{oci::ErrorCode::kSizeInvalid,
                                "size mismatch: got " + std::to_string(offset + received) +
                                    " bytes, the descriptor says " + std::to_string(blob.size)};
    } else if (hasher) {
      const oci::Digest got = hasher->finish();
      if (got != blob.digest) {
        source_error =
            oci::Error{oci::ErrorCode::kDigestInvalid, "digest mismatch: got " + got.str()};
      }
    }
    if (source_error) {
      source_error = blob_error(*source_error, blob, " from ", source).error();
      pipe.fail(*source_error);
    } else {
      pipe.close();
    }
  });
  auto written = destination.write_blob(blob, offset, pipe.source());
  // Also after a success: a destination that stopped reading early must not leave the
  // producer blocked on a full pipe.
  pipe.cancel(written ? oci::Error{oci::ErrorCode::kInternal, "the destination stopped reading"}
                      : written.error());
  producer.join();
  if (source_error) return std::unexpected(*source_error);
  if (!written) return blob_error(written.error(), blob, " to ", destination);
  return received;
}

// A resumed write that fails like this is sent again whole: the kept bytes are wrong, or the
// source cannot serve a Range (it answered 200 with the whole blob, or 416).
bool restart_from_zero(const oci::Error& error) {
  return error.code == oci::ErrorCode::kDigestInvalid ||
         error.code == oci::ErrorCode::kSizeInvalid || error.code == oci::ErrorCode::kRangeInvalid;
}

}  // namespace

oci::Result<BlobMove> copy_blob(ImageStore& source, ImageStore& destination,
                                const oci::Descriptor& blob, std::string_view image,
                                Progress& progress) {
  const auto claim =
      InflightBlobs::instance().claim(destination.describe() + " " + blob.digest.str());
  auto present = destination.has_blob(blob);
  if (!present) return blob_error(present.error(), blob, " at ", destination);
  if (*present) {
    progress.blob_finished(blob, BlobOutcome::kSkipped);
    return BlobMove{BlobOutcome::kSkipped, 0};
  }
  auto mounted = destination.mount_blob(blob, source);
  if (!mounted) return blob_error(mounted.error(), blob, " mount at ", destination);
  if (*mounted) {
    progress.blob_finished(blob, BlobOutcome::kMounted);
    return BlobMove{BlobOutcome::kMounted, 0};
  }
  auto offset = destination.resume_offset(blob);
  if (!offset) return blob_error(offset.error(), blob, " at ", destination);
  const std::int64_t start = *offset > 0 && *offset <= blob.size ? *offset : 0;

  progress.blob_started(image, blob, start);
  auto moved = stream_blob(source, destination, blob, start, progress);
  // What an interrupted write left may itself be wrong, or the source may not resume; the
  // whole blob is then sent again.
  if (!moved && start > 0 && restart_from_zero(moved.error())) {
    progress.note(std::string("blob ")
                      .append(blob.digest.str())
                      .append(": resumed write failed (")
                      .append(moved.error().message)
                      .append("), starting over"));
    progress.blob_started(image, blob, 0);
    moved = stream_blob(source, destination, blob, 0, progress);
  }
  if (!moved) {
    progress.blob_finished(blob, BlobOutcome::kFailed);
    return std::unexpected(moved.error());
  }
  progress.blob_finished(blob, BlobOutcome::kCopied);
  return BlobMove{BlobOutcome::kCopied, *moved};
}

}  // namespace transfer
