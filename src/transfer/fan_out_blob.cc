#include "transfer/fan_out_blob.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <set>
#include <string>

#include "transfer/blob_stream.h"
#include "transfer/inflight_blobs.h"

namespace transfer {
namespace {

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

// A resumed write that fails like this is sent again whole: the kept bytes are wrong, or the
// source cannot serve a Range (it answered 200 with the whole blob, or 416).
bool restart_from_zero(const oci::Error& error) {
  return error.code == oci::ErrorCode::kDigestInvalid ||
         error.code == oci::ErrorCode::kSizeInvalid || error.code == oci::ErrorCode::kRangeInvalid;
}

// Where a destination keeps its blobs: its registry, whose repositories mount from one
// another; any other store on its own.
std::string place_of(const ImageStore& destination) {
  auto point = destination.mount_point();
  return point ? point->scope : destination.describe();
}

// One claim per place (inflight_blobs.h), taken in key order so that two fan-outs over
// overlapping destinations cannot wait for each other.
std::vector<InflightBlobs::Claim> claim_all(std::span<ImageStore* const> destinations,
                                            const oci::Descriptor& blob) {
  std::set<std::string> keys;
  for (const ImageStore* destination : destinations) {
    keys.insert(place_of(*destination) + " " + blob.digest.str());
  }
  std::vector<InflightBlobs::Claim> claims;
  claims.reserve(keys.size());
  for (const std::string& key : keys) claims.push_back(InflightBlobs::instance().claim(key));
  return claims;
}

// What a destination needs: nothing (it has the blob, or mounted it), or the bytes from
// `start`.
struct Need {
  std::optional<BlobOutcome> done;
  std::int64_t start = 0;
};

oci::Result<Need> need_of(ImageStore& source, ImageStore& destination, const oci::Descriptor& blob,
                          bool from_zero, const BlobHomes* homes) {
  auto present = destination.has_blob(blob);
  if (!present) return blob_error(present.error(), blob, " at ", destination);
  if (*present) return Need{BlobOutcome::kSkipped, 0};
  auto mounted = destination.mount_blob(blob, source);
  if (!mounted) return blob_error(mounted.error(), blob, " mount at ", destination);
  if (*mounted) return Need{BlobOutcome::kMounted, 0};
  const auto point = destination.mount_point();
  if (const auto home = homes && point ? homes->find(point->scope, blob.digest) : std::nullopt) {
    mounted = destination.mount_blob_from(blob, *home);
    if (!mounted) return blob_error(mounted.error(), blob, " mount at ", destination);
    if (*mounted) return Need{BlobOutcome::kMounted, 0};
  }
  if (from_zero) return Need{std::nullopt, 0};
  auto offset = destination.resume_offset(blob);
  if (!offset) return blob_error(offset.error(), blob, " at ", destination);
  return Need{std::nullopt, *offset > 0 && *offset <= blob.size ? *offset : 0};
}

// The destination holds the blob now: later copies into its registry mount it from here.
void record_home(BlobHomes* homes, const ImageStore& destination, const oci::Descriptor& blob) {
  if (homes == nullptr) return;
  if (auto point = destination.mount_point()) {
    homes->record(point->scope, blob.digest, point->repository);
  }
}

}  // namespace

std::vector<oci::Result<BlobMove>> fan_out_blob(ImageStore& source,
                                                std::span<ImageStore* const> destinations,
                                                const oci::Descriptor& blob, std::string_view image,
                                                Progress& progress, BlobHomes* homes) {
  std::vector<oci::Result<BlobMove>> results(destinations.size());
  const auto claims = claim_all(destinations, blob);
  std::vector<bool> from_zero(destinations.size(), false);
  std::vector<std::size_t> pending(destinations.size());
  std::iota(pending.begin(), pending.end(), std::size_t{0});
  // A round feeds every destination that needs bytes, but one place (place_of) once: another
  // destination there finds the blob present, or mounts it, in the next round. A resumed write that
  // failed verification goes again, whole, in the next round too.
  while (!pending.empty()) {
    std::vector<std::size_t> next_round;
    std::vector<std::size_t> fed;  // destination index of each feed
    std::vector<BlobFeed> feeds;
    std::set<std::string> places;
    for (const std::size_t i : pending) {
      ImageStore& destination = *destinations[i];
      if (!places.insert(place_of(destination)).second) {
        next_round.push_back(i);
        continue;
      }
      auto need = need_of(source, destination, blob, from_zero[i], homes);
      if (!need) {
        results[i] = std::unexpected(need.error());
      } else if (need->done) {
        progress.blob_finished(blob, *need->done);
        record_home(homes, destination, blob);
        results[i] = BlobMove{*need->done, 0};
      } else {
        fed.push_back(i);
        feeds.push_back(BlobFeed{&destination, need->start, std::nullopt});
      }
    }
    if (!feeds.empty()) {
      progress.blob_started(image, blob, std::ranges::min(feeds, {}, &BlobFeed::start).start);
      stream_blob(source, feeds, blob, progress);
      bool any_copied = false;
      for (std::size_t f = 0; f < feeds.size(); ++f) {
        const std::size_t i = fed[f];
        const oci::Result<void>& result = *feeds[f].result;
        if (result) {
          any_copied = true;
          record_home(homes, *destinations[i], blob);
          results[i] = BlobMove{BlobOutcome::kCopied, blob.size - feeds[f].start};
        } else if (feeds[f].start > 0 && restart_from_zero(result.error())) {
          // What an interrupted write left may itself be wrong, or the source may not resume.
          progress.note("blob " + blob.digest.str() + ": resumed write failed (" +
                        result.error().message + "), starting over");
          from_zero[i] = true;
          next_round.push_back(i);
        } else {
          results[i] = std::unexpected(result.error());
        }
      }
      progress.blob_finished(blob, any_copied ? BlobOutcome::kCopied : BlobOutcome::kFailed);
    }
    pending = std::move(next_round);
  }
  return results;
}

}  // namespace transfer
