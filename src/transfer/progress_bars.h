// Progress on a terminal, podman-style: one line per blob in flight with a bar, bytes and
// rate, and a total line with bytes, rate and ETA, redrawn in place with ANSI escapes at most
// ten times a second. A blob that ends leaves one line ("Copying blob 3f4e5a6b7c8d done").
// The caller decides whether `out` is a terminal (isatty). Thread-safe.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "transfer/progress.h"

namespace transfer {

class ProgressBars final : public Progress {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ProgressBars(std::FILE* out, int width = 80,
                        std::function<Clock::time_point()> now = Clock::now);

  void blob_started(std::string_view image, const oci::Descriptor& blob,
                    std::int64_t offset) override;
  void blob_bytes(const oci::Descriptor& blob, std::int64_t bytes_done) override;
  // Also for blobs that never started (skipped, mounted).
  void blob_finished(const oci::Descriptor& blob, BlobOutcome outcome) override;
  void manifest_written(std::string_view image, const oci::Digest& digest,
                        std::string_view media_type) override;
  void note(std::string_view text) override;
  void done() override;

 private:
  struct Bar {
    std::string digest;  // in full
    std::string id;      // as shown
    std::int64_t size = 0;
    std::int64_t offset = 0;  // where the blob started (a resumed write)
    std::int64_t done = 0;
    Clock::time_point started;
  };

  // With mutex_ held: erase the bars, print `line` (if any) above them, draw them again.
  void print_line(const std::string& line);
  void draw(Clock::time_point now);
  void erase();
  std::string bar_line(const Bar& bar, Clock::time_point now) const;
  std::string total_line(Clock::time_point now) const;

  std::mutex mutex_;
  std::FILE* const out_;
  const int width_;
  const std::function<Clock::time_point()> now_;
  std::vector<Bar> bars_;  // in flight, in start order
  int drawn_lines_ = 0;
  Clock::time_point last_draw_{};
  std::optional<Clock::time_point> first_start_;
  std::int64_t total_size_ = 0;  // bytes to move, of every blob started
  std::int64_t total_done_ = 0;  // bytes moved by blobs no longer in flight
};

}  // namespace transfer
