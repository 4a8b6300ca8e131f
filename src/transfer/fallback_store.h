// The source side of `regmirror pull`: an ordered list of sources for one image (mirrors
// first, then the original registry, as nodeconf's resolver orders them), read piece by piece.
// A tag is looked up in the first source that has it; every digest-addressed piece (a child
// manifest, a blob, the referrers of a manifest) then comes from the first source that has
// that piece. This is one step past containers/image, which takes every piece from the source
// that resolved the manifest: a mirror lacking one child manifest or one blob falls back to
// the next source for that piece only. Digests make this safe: every piece is verified.
//
// Every try is kept as a SourceAttempt (source_attempt.h): who served what, who failed and
// why, and the sources skipped before any try. Read-only: the writing verbs fail.
// Thread-safe when the sources are.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "transfer/image_store.h"
#include "transfer/source_attempt.h"

namespace transfer {

class FallbackStore final : public ImageStore {
 public:
  struct Source {
    SourceRepository repository;
    std::unique_ptr<ImageStore> store;
  };

  // `skipped`: sources not to be asked at all, each with its reason (outcome kSkipped); they
  // open the list of attempts.
  explicit FallbackStore(std::vector<Source> sources, std::vector<SourceAttempt> skipped = {});

  std::string describe() const override;  // the locations, in order

  // Every attempt so far: the skipped ones, then each try as it ended (blobs read in
  // parallel interleave).
  std::vector<SourceAttempt> attempts() const;
  // The store of the source at `location` (a SourceRepository's), nullptr when none; for
  // what must come from one source, as the signatures of the manifest it served.
  ImageStore* store_of(std::string_view location) const;

  oci::Result<client::FetchedManifest> get_manifest(std::string_view reference) override;
  // The first source's tags that answers.
  oci::Result<std::vector<std::string>> list_tags() override;
  // The first non-empty answer.
  oci::Result<std::vector<oci::Descriptor>> referrers(const oci::Digest& subject) override;
  // A source that fails part way is followed by the next one from the byte where it stopped,
  // so `sink` sees every byte of the blob once, in order. An error from `sink` itself ends
  // the read at once.
  oci::Result<void> read_blob(const oci::Descriptor& blob, std::int64_t offset,
                              const client::ByteSink& sink) override;

  // True when some source has it.
  oci::Result<bool> has_manifest(const oci::Digest& digest) override;
  oci::Result<bool> has_blob(const oci::Descriptor& blob) override;
  // Writing fails (kUnsupported); mount_blob answers false.
  oci::Result<void> put_manifest(std::string_view body, std::string_view media_type,
                                 const oci::Digest& digest, std::string_view tag) override;
  oci::Result<bool> mount_blob(const oci::Descriptor& blob, const ImageStore& from) override;
  oci::Result<std::int64_t> resume_offset(const oci::Descriptor& blob) override;
  oci::Result<void> write_blob(const oci::Descriptor& blob, std::int64_t offset,
                               const client::ByteSource& source) override;

 private:
  // Records a try of `source` (reference, outcome, bytes filled in by the caller).
  void record(SourceAttempt attempt);

  std::vector<Source> sources_;
  mutable std::mutex mutex_;
  std::vector<SourceAttempt> attempts_;
};

}  // namespace transfer
