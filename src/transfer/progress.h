// What the copy engine reports while it works. Implementations: terminal bars
// (progress_bars.h), JSON lines for CI logs (progress_json.h), and none (--quiet).
// Called from worker threads: implementations synchronise themselves.
#pragma once

#include <cstdint>
#include <string_view>

#include "oci/manifest.h"

namespace transfer {

enum class BlobOutcome { kCopied, kSkipped, kMounted, kFailed };

class Progress {
 public:
  virtual ~Progress() = default;
  // `image` names what the blob belongs to, e.g. "quay.io/ns/app:1 -> eu.example/ns/app:1".
  virtual void blob_started(std::string_view image, const oci::Descriptor& blob,
                            std::int64_t offset) = 0;
  virtual void blob_bytes(const oci::Descriptor& blob, std::int64_t bytes_done) = 0;
  virtual void blob_finished(const oci::Descriptor& blob, BlobOutcome outcome) = 0;
  virtual void manifest_written(std::string_view image, const oci::Digest& digest,
                                std::string_view media_type) = 0;
  // A line for the user: which source served, what failed.
  virtual void note(std::string_view text) = 0;
  virtual void done() = 0;
};

class NoProgress final : public Progress {
 public:
  void blob_started(std::string_view, const oci::Descriptor&, std::int64_t) override {}
  void blob_bytes(const oci::Descriptor&, std::int64_t) override {}
  void blob_finished(const oci::Descriptor&, BlobOutcome) override {}
  void manifest_written(std::string_view, const oci::Digest&, std::string_view) override {}
  void note(std::string_view) override {}
  void done() override {}
};

}  // namespace transfer
