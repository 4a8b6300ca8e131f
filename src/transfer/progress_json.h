// Progress as JSON lines for CI logs and scripts: one object per event per line, flushed as
// it is written, e.g.
//   {"event":"blob_done","digest":"sha256:...","size":1234,"outcome":"skipped"}
// Events: blob_started, blob_progress (at most one per blob per second), blob_done,
// manifest_written, note, done. Thread-safe.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "transfer/progress.h"

namespace transfer {

class ProgressJson final : public Progress {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ProgressJson(std::FILE* out, std::function<Clock::time_point()> now = Clock::now);

  void blob_started(std::string_view image, const oci::Descriptor& blob,
                    std::int64_t offset) override;
  void blob_bytes(const oci::Descriptor& blob, std::int64_t bytes_done) override;
  void blob_finished(const oci::Descriptor& blob, BlobOutcome outcome) override;
  void manifest_written(std::string_view image, const oci::Digest& digest,
                        std::string_view media_type) override;
  void note(std::string_view text) override;
  // {"event":"done","blobs_copied":N,"blobs_skipped":N,"blobs_mounted":N,"blobs_failed":N,
  //  "bytes":N,"seconds":S}
  void done() override;

 private:
  void emit(const nlohmann::json& event);  // mutex_ held

  std::mutex mutex_;
  std::FILE* const out_;
  const std::function<Clock::time_point()> now_;
  const Clock::time_point start_;
  std::map<std::string, Clock::time_point> last_reported_;  // by digest: blobs in flight
  std::map<std::string, std::int64_t> offsets_;             // by digest: where each started
  std::map<BlobOutcome, int> outcomes_;
  std::int64_t bytes_ = 0;  // moved by finished blobs
};

}  // namespace transfer
