#include "transfer/copy_image.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "oci/media_type.h"
#include "transfer/copy_blob.h"
#include "transfer/platform.h"

namespace transfer {

CopyStats& CopyStats::operator+=(const CopyStats& other) {
  manifests += other.manifests;
  blobs_copied += other.blobs_copied;
  blobs_skipped += other.blobs_skipped;
  blobs_mounted += other.blobs_mounted;
  bytes_copied += other.bytes_copied;
  return *this;
}

namespace {

// A manifest to write, as the source holds it.
struct Piece {
  std::string body;
  oci::Digest digest;
  oci::Manifest manifest;
};

// Not a search for ':': a layout's names may be full references ("quay.io/ns/app:v1").
bool is_digest(std::string_view reference) { return oci::Digest::is_valid(reference); }

// "docker://quay.io/ns/app:1", "oci:/srv/layout@sha256:..."
std::string name_with(const ImageStore& store, std::string_view reference) {
  std::string name = store.describe();
  if (!reference.empty()) name.append(is_digest(reference) ? "@" : ":").append(reference);
  return name;
}

class Copier {
 public:
  Copier(ImageStore& source, ImageStore& destination, const CopyOptions& options,
         Progress& progress, std::string image)
      : source_(source),
        destination_(destination),
        options_(options),
        progress_(progress),
        image_(std::move(image)) {}

  oci::Result<CopyResult> run(std::string_view reference, std::string_view tag) {
    std::vector<Piece> pieces;
    if (auto gathered = gather(reference, !options_.all, pieces); !gathered) {
      return std::unexpected(gathered.error());
    }
    if (auto copied = copy_pieces(pieces, tag); !copied) return std::unexpected(copied.error());
    if (options_.referrers) {
      if (auto copied = copy_referrers(pieces); !copied) return std::unexpected(copied.error());
    }
    const Piece& top = pieces.back();
    return CopyResult{top.digest, top.manifest.media_type, stats_};
  }

 private:
  // Appends the manifest `reference` to `out`, after its children when it is an index; with
  // `one_platform`, an index stands aside for the child of the chosen platform.
  oci::Result<void> gather(std::string_view reference, bool one_platform, std::vector<Piece>& out) {
    auto fetched = source_.get_manifest(reference);
    if (!fetched) return manifest_error(reference, fetched.error());
    if (is_digest(reference)) {
      // The store verified it; a digest-addressed manifest is checked here once more because a
      // wrong one would be written under a digest it does not have.
      auto wanted = oci::Digest::parse(reference);
      if (!wanted) return manifest_error(reference, wanted.error());
      oci::DigestHasher hasher(wanted->algorithm());
      hasher.update(fetched->body);
      const oci::Digest got = hasher.finish();
      if (got != *wanted) {
        return manifest_error(reference, oci::Error{oci::ErrorCode::kDigestInvalid,
                                                    "digest mismatch: got " + got.str()});
      }
      fetched->digest = *wanted;
    } else {
      fetched->digest = oci::digest_of(fetched->body);
    }
    auto manifest = oci::parse_manifest(fetched->body, fetched->media_type);
    if (!manifest) return manifest_error(reference, manifest.error());
    seen_manifests_.insert(fetched->digest.str());

    if (manifest->kind == oci::media_type::ManifestKind::kIndex) {
      if (one_platform) {
        const Platform wanted = options_.platform.value_or(Platform{"linux", "amd64", ""});
        auto child = select_platform(fetched->body, *manifest, wanted);
        if (!child) return manifest_error(reference, child.error());
        return gather(child->digest.str(), false, out);
      }
      for (const oci::Descriptor& child : manifest->manifests) {
        if (seen_manifests_.contains(child.digest.str())) continue;
        if (auto gathered = gather(child.digest.str(), false, out); !gathered) return gathered;
      }
    }
    out.push_back(
        Piece{std::move(fetched->body), std::move(fetched->digest), std::move(*manifest)});
    return {};
  }

  std::unexpected<oci::Error> manifest_error(std::string_view reference, const oci::Error& error) {
    return oci::fail(error.code, "manifest " + name_with(source_, reference) + ": " + error.message,
                     error.detail);
  }

  // Blobs first, then the manifests in order (children before their index); the last piece
  // gets `tag`.
  oci::Result<void> copy_pieces(const std::vector<Piece>& pieces, std::string_view tag) {
    std::vector<oci::Descriptor> blobs;
    for (const Piece& piece : pieces) {
      if (piece.manifest.kind != oci::media_type::ManifestKind::kImage) continue;
      std::vector<const oci::Descriptor*> own;
      if (piece.manifest.config) own.push_back(&*piece.manifest.config);
      for (const oci::Descriptor& layer : piece.manifest.layers) own.push_back(&layer);
      for (const oci::Descriptor* blob : own) {
        if (!blob->urls.empty()) {
          // Non-distributable ("foreign") layers stay where their URLs point, as in skopeo.
          progress_.note("blob " + blob->digest.str() + " is non-distributable: not copied");
          continue;
        }
        if (seen_blobs_.insert(blob->digest.str()).second) blobs.push_back(*blob);
      }
    }
    if (auto moved = move_blobs(blobs); !moved) return moved;

    for (std::size_t i = 0; i < pieces.size(); ++i) {
      const Piece& piece = pieces[i];
      const std::string_view piece_tag = i + 1 == pieces.size() ? tag : std::string_view();
      auto present = destination_.has_manifest(piece.digest);
      if (!present) return write_error(piece, present.error());
      // A manifest already there is still tagged, unless the tag names it already: a
      // second run writes nothing.
      if (*present && (piece_tag.empty() || tagged_already(piece_tag, piece.digest))) continue;
      auto put =
          destination_.put_manifest(piece.body, piece.manifest.media_type, piece.digest, piece_tag);
      if (!put) return write_error(piece, put.error());
      ++stats_.manifests;
      progress_.manifest_written(image_, piece.digest, piece.manifest.media_type);
    }
    return {};
  }

  bool tagged_already(std::string_view tag, const oci::Digest& digest) {
    auto current = destination_.get_manifest(tag);
    return current && current->digest == digest;
  }

  std::unexpected<oci::Error> write_error(const Piece& piece, const oci::Error& error) {
    return oci::fail(
        error.code,
        "manifest " + piece.digest.str() + " to " + destination_.describe() + ": " + error.message,
        error.detail);
  }

  // Up to `jobs` blobs at once; after a failure no new blob starts and the first error wins.
  oci::Result<void> move_blobs(const std::vector<oci::Descriptor>& blobs) {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mutex;
    std::optional<oci::Error> first_error;
    auto work = [&] {
      while (!failed) {
        const std::size_t i = next++;
        if (i >= blobs.size()) return;
        auto moved = copy_blob(source_, destination_, blobs[i], image_, progress_);
        std::lock_guard lock(mutex);
        if (!moved) {
          if (!first_error) first_error = moved.error();
          failed = true;
          continue;
        }
        switch (moved->outcome) {
          case BlobOutcome::kCopied:
            ++stats_.blobs_copied;
            break;
          case BlobOutcome::kSkipped:
            ++stats_.blobs_skipped;
            break;
          case BlobOutcome::kMounted:
            ++stats_.blobs_mounted;
            break;
          case BlobOutcome::kFailed:
            break;
        }
        stats_.bytes_copied += moved->bytes;
      }
    };
    const std::size_t workers =
        std::min<std::size_t>(blobs.size(), static_cast<std::size_t>(std::max(options_.jobs, 1)));
    {
      std::vector<std::jthread> threads;
      threads.reserve(workers);
      for (std::size_t i = 0; i < workers; ++i) threads.emplace_back(work);
    }
    if (first_error) return std::unexpected(*first_error);
    return {};
  }

  // Every manifest copied may have referrers in the source (signatures, SBOMs, attestations);
  // each is copied by digest with its blobs, and its own referrers in turn.
  oci::Result<void> copy_referrers(const std::vector<Piece>& pieces) {
    std::deque<oci::Digest> subjects;
    for (const Piece& piece : pieces) subjects.push_back(piece.digest);
    while (!subjects.empty()) {
      const oci::Digest subject = subjects.front();
      subjects.pop_front();
      auto referrers = source_.referrers(subject);
      if (!referrers) {
        return oci::fail(referrers.error().code, "referrers of " + subject.str() + " in " +
                                                     source_.describe() + ": " +
                                                     referrers.error().message);
      }
      for (const oci::Descriptor& referrer : *referrers) {
        if (seen_manifests_.contains(referrer.digest.str())) continue;
        std::vector<Piece> pieces_of_referrer;
        if (auto gathered = gather(referrer.digest.str(), false, pieces_of_referrer); !gathered) {
          return gathered;
        }
        if (auto copied = copy_pieces(pieces_of_referrer, {}); !copied) return copied;
        for (const Piece& piece : pieces_of_referrer) subjects.push_back(piece.digest);
      }
    }
    return {};
  }

  ImageStore& source_;
  ImageStore& destination_;
  const CopyOptions& options_;
  Progress& progress_;
  const std::string image_;
  std::set<std::string> seen_manifests_;
  std::set<std::string> seen_blobs_;
  CopyStats stats_;
};

}  // namespace

oci::Result<CopyResult> copy_image(ImageStore& source, std::string_view source_reference,
                                   ImageStore& destination, std::string_view destination_tag,
                                   const CopyOptions& options, Progress& progress) {
  std::string image = name_with(source, source_reference)
                          .append(" -> ")
                          .append(name_with(destination, destination_tag));
  Copier copier(source, destination, options, progress, std::move(image));
  return copier.run(source_reference, destination_tag);
}

}  // namespace transfer
