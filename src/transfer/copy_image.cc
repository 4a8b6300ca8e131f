#include "transfer/copy_image.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "oci/attachment_tag.h"
#include "oci/media_type.h"
#include "signature/sigstore_attachment.h"
#include "transfer/fan_out_blob.h"
#include "transfer/platform.h"
#include "transfer/put_small_blob.h"

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

// A target's progress through the copy: once it failed it drops out.
struct TargetState {
  ImageStore* store;
  std::string tag;
  std::optional<oci::Error> error;
  CopyStats stats;
};

// The tag the last manifest of a copy gets in each target: the target's own (the image), a
// fixed one (an attachment's, the same as in the source), or none (referrers: by digest).
struct TopTag {
  bool targets_own = false;
  std::string fixed;
  std::string_view in(const TargetState& target) const {
    return targets_own ? std::string_view(target.tag) : std::string_view(fixed);
  }
};

class Copier {
 public:
  Copier(ImageStore& source, std::span<const CopyTarget> targets, const CopyOptions& options,
         Progress& progress, std::string image)
      : source_(source), options_(options), progress_(progress), image_(std::move(image)) {
    for (const CopyTarget& target : targets) {
      targets_.push_back(TargetState{target.store, target.tag, std::nullopt, {}});
    }
  }

  std::vector<oci::Result<CopyResult>> run(std::string_view reference) {
    std::vector<Piece> pieces;
    if (auto gathered = gather(reference, !options_.all, pieces); !gathered) {
      fail_live(gathered.error());
    } else {
      copy_pieces(pieces, TopTag{.targets_own = true, .fixed = {}});
      if (options_.referrers) copy_referrers(pieces);
      if (options_.attachments) copy_attachments(pieces);
    }
    std::vector<oci::Result<CopyResult>> results;
    for (const TargetState& target : targets_) {
      if (target.error) {
        results.emplace_back(std::unexpected(*target.error));
      } else {
        const Piece& top = pieces.back();
        std::vector<oci::Digest> written;
        written.reserve(pieces.size());
        for (const Piece& piece : pieces) written.push_back(piece.digest);
        results.emplace_back(
            CopyResult{top.digest, top.manifest.media_type, target.stats, std::move(written)});
      }
    }
    return results;
  }

 private:
  // Appends the manifest `reference` to `out`, after its children when it is an index; with
  // `one_platform`, an index stands aside for the child of the chosen platform.
  oci::Result<void> gather(std::string_view reference, bool one_platform, std::vector<Piece>& out) {
    auto fetched = source_.get_manifest(reference);
    if (!fetched) return manifest_error(reference, fetched.error());
    return gather_fetched(reference, std::move(*fetched), one_platform, out);
  }

  // gather() once `reference`'s manifest is read.
  oci::Result<void> gather_fetched(std::string_view reference, client::FetchedManifest fetched,
                                   bool one_platform, std::vector<Piece>& out) {
    if (is_digest(reference)) {
      // The store verified it; a digest-addressed manifest is checked here once more because a
      // wrong one would be written under a digest it does not have.
      auto wanted = oci::Digest::parse(reference);
      if (!wanted) return manifest_error(reference, wanted.error());
      oci::DigestHasher hasher(wanted->algorithm());
      hasher.update(fetched.body);
      const oci::Digest got = hasher.finish();
      if (got != *wanted) {
        return manifest_error(reference, oci::Error{oci::ErrorCode::kDigestInvalid,
                                                    "digest mismatch: got " + got.str()});
      }
      fetched.digest = *wanted;
    } else {
      fetched.digest = oci::digest_of(fetched.body);
    }
    auto manifest = oci::parse_manifest(fetched.body, fetched.media_type);
    if (!manifest) return manifest_error(reference, manifest.error());
    seen_manifests_.insert(fetched.digest.str());

    if (manifest->kind == oci::media_type::ManifestKind::kIndex) {
      if (one_platform) {
        const Platform wanted = options_.platform.value_or(Platform{"linux", "amd64", ""});
        auto child = select_platform(fetched.body, *manifest, wanted);
        if (!child) return manifest_error(reference, child.error());
        return gather(child->digest.str(), false, out);
      }
      for (const oci::Descriptor& child : manifest->manifests) {
        if (seen_manifests_.contains(child.digest.str())) continue;
        if (auto gathered = gather(child.digest.str(), false, out); !gathered) return gathered;
      }
    }
    out.push_back(Piece{std::move(fetched.body), std::move(fetched.digest), std::move(*manifest)});
    return {};
  }

  std::unexpected<oci::Error> manifest_error(std::string_view reference, const oci::Error& error) {
    return oci::fail(error.code, "manifest " + name_with(source_, reference) + ": " + error.message,
                     error.detail);
  }

  // A failure at the source: every target still in the copy fails with it.
  void fail_live(const oci::Error& error) {
    for (TargetState& target : targets_) {
      if (!target.error) target.error = error;
    }
  }

  std::vector<TargetState*> live_targets() {
    std::vector<TargetState*> live;
    for (TargetState& target : targets_) {
      if (!target.error) live.push_back(&target);
    }
    return live;
  }

  // Blobs first, then the manifests in order (children before their index); the last piece
  // gets `top_tag`.
  void copy_pieces(const std::vector<Piece>& pieces, const TopTag& top_tag) {
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
    move_blobs(blobs);
    write_manifests(pieces, top_tag);
  }

  // Each target's manifests on a thread of its own when there are several: they do not
  // depend on one another.
  void write_manifests(const std::vector<Piece>& pieces, const TopTag& top_tag) {
    const std::vector<TargetState*> live = live_targets();
    if (live.empty()) return;
    if (live.size() == 1) {
      write_manifests_to(*live.front(), pieces, top_tag);
      return;
    }
    std::vector<std::jthread> writers;
    writers.reserve(live.size());
    for (TargetState* target : live) {
      writers.emplace_back([&, target] { write_manifests_to(*target, pieces, top_tag); });
    }
  }

  void write_manifests_to(TargetState& target, const std::vector<Piece>& pieces,
                          const TopTag& top_tag) {
    ImageStore& destination = *target.store;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      const Piece& piece = pieces[i];
      const bool top = i + 1 == pieces.size();
      const std::string_view piece_tag = top ? top_tag.in(target) : std::string_view();
      if (top && is_signature_tag(piece_tag)) {
        auto merged = merge_signatures(target, piece_tag, piece);
        if (!merged) {
          target.error = write_error(destination, piece, merged.error());
          return;
        }
        if (*merged) continue;
      } else if (top && !top_tag.fixed.empty() &&
                 holds_every_layer(destination, piece_tag, piece)) {
        continue;
      }
      auto present = destination.has_manifest(piece.digest);
      if (!present) {
        target.error = write_error(destination, piece, present.error());
        return;
      }
      // A manifest already there is still tagged, unless the tag names it already: a
      // second run writes nothing.
      if (*present && (piece_tag.empty() || tagged_already(destination, piece_tag, piece.digest))) {
        continue;
      }
      auto put =
          destination.put_manifest(piece.body, piece.manifest.media_type, piece.digest, piece_tag);
      if (!put) {
        target.error = write_error(destination, piece, put.error());
        return;
      }
      ++target.stats.manifests;
      progress_.manifest_written(image_, piece.digest, piece.manifest.media_type);
    }
  }

  static bool is_signature_tag(std::string_view tag) {
    const auto attachment = oci::parse_attachment_tag(tag);
    return attachment && attachment->kind == "sig";
  }

  // A sha256-<hex>.sig attachment the destination has already: the source's signatures it
  // lacks are appended to it, as containers/image copies signatures onto an existing
  // attachment, so that signatures only the destination has (one made while mirroring) stay.
  // Nothing is written when it holds them all (a second run). False when the destination has
  // no attachment there yet: the source's is written as it is.
  oci::Result<bool> merge_signatures(TargetState& target, std::string_view tag,
                                     const Piece& piece) {
    ImageStore& destination = *target.store;
    auto current = destination.get_manifest(tag);
    if (!current) {
      if (is_manifest_absent(current.error())) return false;
      return std::unexpected(current.error());
    }
    if (current->digest == piece.digest) return true;
    auto merged = signature::merge_attachments(current->body, piece.body);
    if (!merged) return std::unexpected(merged.error());
    if (merged->blobs.empty()) return true;
    for (const auto& [digest, bytes] : merged->blobs) {
      if (auto put = put_small_blob(destination, digest, bytes); !put) {
        return std::unexpected(put.error());
      }
    }
    const oci::Digest digest = oci::digest_of(merged->manifest);
    auto put =
        destination.put_manifest(merged->manifest, oci::media_type::kOciManifest, digest, tag);
    if (!put) return std::unexpected(put.error());
    ++target.stats.manifests;
    progress_.manifest_written(image_, digest, oci::media_type::kOciManifest);
    return true;
  }

  // Another attachment tag (.att, .sbom) the destination has already, on a manifest holding
  // every layer of the source's is left as it is: a second run writes nothing and drops
  // nothing. Otherwise the source's replaces it.
  static bool holds_every_layer(ImageStore& destination, std::string_view tag, const Piece& piece) {
    auto current = destination.get_manifest(tag);
    if (!current) return false;
    if (current->digest == piece.digest) return true;
    auto held = oci::parse_manifest(current->body, current->media_type);
    if (!held) return false;
    return std::ranges::all_of(piece.manifest.layers, [&](const oci::Descriptor& layer) {
      return std::ranges::any_of(held->layers, [&](const oci::Descriptor& mine) {
        return mine.digest == layer.digest && mine.annotations == layer.annotations;
      });
    });
  }

  static bool tagged_already(ImageStore& destination, std::string_view tag,
                             const oci::Digest& digest) {
    auto current = destination.get_manifest(tag);
    return current && current->digest == digest;
  }

  static oci::Error write_error(const ImageStore& destination, const Piece& piece,
                                const oci::Error& error) {
    return oci::Error{
        error.code,
        "manifest " + piece.digest.str() + " to " + destination.describe() + ": " + error.message,
        error.detail};
  }

  // Up to `jobs` blobs at once, each to every target still in the copy; a target that fails
  // gets no further blob, and once none is left no new blob starts.
  void move_blobs(const std::vector<oci::Descriptor>& blobs) {
    std::atomic<std::size_t> next{0};
    std::mutex mutex;  // guards targets_
    auto work = [&] {
      while (true) {
        const std::size_t i = next++;
        if (i >= blobs.size()) return;
        std::vector<TargetState*> live;
        {
          std::lock_guard lock(mutex);
          live = live_targets();
        }
        if (live.empty()) return;
        std::vector<ImageStore*> stores;
        stores.reserve(live.size());
        for (const TargetState* target : live) stores.push_back(target->store);
        const auto moved =
            fan_out_blob(source_, stores, blobs[i], image_, progress_, options_.homes);
        std::lock_guard lock(mutex);
        for (std::size_t k = 0; k < live.size(); ++k) {
          TargetState& target = *live[k];
          if (!moved[k]) {
            if (!target.error) target.error = moved[k].error();
            continue;
          }
          count(target.stats, *moved[k]);
        }
      }
    };
    const std::size_t workers =
        std::min<std::size_t>(blobs.size(), static_cast<std::size_t>(std::max(options_.jobs, 1)));
    std::vector<std::jthread> threads;
    threads.reserve(workers);
    for (std::size_t i = 0; i < workers; ++i) threads.emplace_back(work);
  }

  static void count(CopyStats& stats, const BlobMove& moved) {
    switch (moved.outcome) {
      case BlobOutcome::kCopied:
        ++stats.blobs_copied;
        break;
      case BlobOutcome::kSkipped:
        ++stats.blobs_skipped;
        break;
      case BlobOutcome::kMounted:
        ++stats.blobs_mounted;
        break;
      case BlobOutcome::kFailed:
        break;
    }
    stats.bytes_copied += moved.bytes;
  }

  // Every manifest copied may have referrers in the source (signatures, SBOMs, attestations);
  // each is copied by digest with its blobs, and its own referrers in turn.
  void copy_referrers(const std::vector<Piece>& pieces) {
    std::deque<oci::Digest> subjects;
    for (const Piece& piece : pieces) subjects.push_back(piece.digest);
    while (!subjects.empty() && !live_targets().empty()) {
      const oci::Digest subject = subjects.front();
      subjects.pop_front();
      auto referrers = source_.referrers(subject);
      if (!referrers) {
        fail_live(oci::Error{referrers.error().code, "referrers of " + subject.str() + " in " +
                                                         source_.describe() + ": " +
                                                         referrers.error().message});
        return;
      }
      for (const oci::Descriptor& referrer : *referrers) {
        if (seen_manifests_.contains(referrer.digest.str())) continue;
        std::vector<Piece> pieces_of_referrer;
        if (auto gathered = gather(referrer.digest.str(), false, pieces_of_referrer); !gathered) {
          fail_live(gathered.error());
          return;
        }
        copy_pieces(pieces_of_referrer, TopTag{});
        for (const Piece& piece : pieces_of_referrer) subjects.push_back(piece.digest);
      }
    }
  }

  // cosign's tags for every manifest of the image (sha256-<hex>.sig, .att, .sbom: signatures
  // as containers/image's sigstore attachments write them too), each copied with its blobs
  // under the same tag. After the image: a destination never shows a signature of an image it
  // does not hold.
  void copy_attachments(const std::vector<Piece>& image) {
    for (const Piece& piece : image) {
      for (const std::string_view kind : oci::kAttachmentKinds) {
        if (live_targets().empty()) return;
        const std::string tag = oci::attachment_tag(piece.digest.str(), kind);
        auto fetched = source_.get_manifest(tag);
        if (!fetched && is_manifest_absent(fetched.error())) continue;
        if (!fetched) {
          fail_live(manifest_error(tag, fetched.error()).error());
          return;
        }
        std::vector<Piece> attachment;
        if (auto gathered = gather_fetched(tag, std::move(*fetched), false, attachment);
            !gathered) {
          fail_live(gathered.error());
          return;
        }
        copy_pieces(attachment, TopTag{.targets_own = false, .fixed = tag});
      }
    }
  }

  ImageStore& source_;
  std::vector<TargetState> targets_;
  const CopyOptions& options_;
  Progress& progress_;
  const std::string image_;
  std::set<std::string> seen_manifests_;
  std::set<std::string> seen_blobs_;
};

}  // namespace

oci::Result<CopyResult> copy_image(ImageStore& source, std::string_view source_reference,
                                   ImageStore& destination, std::string_view destination_tag,
                                   const CopyOptions& options, Progress& progress) {
  const CopyTarget target{&destination, std::string(destination_tag)};
  auto results =
      copy_image_to_all(source, source_reference, std::span(&target, 1), options, progress);
  return std::move(results.front());
}

std::vector<oci::Result<CopyResult>> copy_image_to_all(ImageStore& source,
                                                       std::string_view source_reference,
                                                       std::span<const CopyTarget> targets,
                                                       const CopyOptions& options,
                                                       Progress& progress) {
  std::string image = name_with(source, source_reference).append(" -> ");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (i > 0) image.append(", ");
    image.append(name_with(*targets[i].store, targets[i].tag));
  }
  Copier copier(source, targets, options, progress, std::move(image));
  return copier.run(source_reference);
}

}  // namespace transfer
