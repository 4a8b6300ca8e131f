#include "transfer/progress_bars.h"

#include <fmt/format.h>

#include <algorithm>

#include "transfer/human_bytes.h"

namespace transfer {
namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr int kBarWidth = 25;

// "3f4e5a6b7c8d", as podman names blobs.
std::string short_id(const oci::Digest& digest) { return std::string(digest.hex().substr(0, 12)); }

double seconds(ProgressBars::Clock::duration elapsed) {
  return std::chrono::duration<double>(elapsed).count();
}

std::string rate(std::int64_t bytes, double elapsed) {
  if (elapsed <= 0) return "-";
  return human_bytes(static_cast<std::int64_t>(static_cast<double>(bytes) / elapsed)) + "/s";
}

std::string bar(std::int64_t done, std::int64_t size) {
  const int filled = size > 0 ? static_cast<int>(done * kBarWidth / size) : kBarWidth;
  std::string text(static_cast<std::size_t>(kBarWidth), ' ');
  std::fill_n(text.begin(), std::clamp(filled, 0, kBarWidth), '=');
  if (filled > 0 && filled < kBarWidth) text[static_cast<std::size_t>(filled - 1)] = '>';
  return "[" + text + "]";
}

}  // namespace

ProgressBars::ProgressBars(std::FILE* out, int width, std::function<Clock::time_point()> now)
    : out_(out), width_(std::max(width, 20)), now_(std::move(now)) {}

std::string ProgressBars::bar_line(const Bar& blob, Clock::time_point now) const {
  return fmt::format("Copying blob {} {} {} / {} {}", blob.id, bar(blob.done, blob.size),
                     human_bytes(blob.done), human_bytes(blob.size),
                     rate(blob.done - blob.offset, seconds(now - blob.started)));
}

std::string ProgressBars::total_line(Clock::time_point now) const {
  std::int64_t done = total_done_;
  for (const Bar& blob : bars_) done += blob.done - blob.offset;
  const double elapsed = first_start_ ? seconds(now - *first_start_) : 0;
  std::string eta = "-";
  if (elapsed > 0 && done > 0) {
    const auto left = static_cast<std::int64_t>(static_cast<double>(total_size_ - done) * elapsed /
                                                static_cast<double>(done));
    eta = fmt::format("{}:{:02}", left / 60, left % 60);
  }
  return fmt::format("Total {} / {} {} ETA {}", human_bytes(done), human_bytes(total_size_),
                     rate(done, elapsed), eta);
}

void ProgressBars::erase() {
  // Up to the first bar line, then clear to the end of the screen.
  if (drawn_lines_ > 0) std::fprintf(out_, "\x1b[%dA\x1b[J", drawn_lines_);
  drawn_lines_ = 0;
}

void ProgressBars::draw(Clock::time_point now) {
  erase();
  if (!bars_.empty()) {
    std::vector<std::string> lines;
    lines.reserve(bars_.size() + 1);
    for (const Bar& blob : bars_) lines.push_back(bar_line(blob, now));
    lines.push_back(total_line(now));
    for (std::string& line : lines) {
      // A wrapped line would break the count of lines to move up over.
      if (line.size() >= static_cast<std::size_t>(width_)) line.resize(width_ - 1);
      std::fprintf(out_, "%s\n", line.c_str());
    }
    drawn_lines_ = static_cast<int>(lines.size());
  }
  std::fflush(out_);
  last_draw_ = now;
}

void ProgressBars::print_line(const std::string& line) {
  erase();
  std::fprintf(out_, "%s\n", line.c_str());
  draw(now_());
}

void ProgressBars::blob_started(std::string_view, const oci::Descriptor& blob,
                                std::int64_t offset) {
  std::lock_guard lock(mutex_);
  const auto now = now_();
  if (!first_start_) first_start_ = now;
  // A blob started again (a resume that failed verification) replaces its bar.
  if (const auto it = std::ranges::find(bars_, blob.digest.str(), &Bar::digest);
      it != bars_.end()) {
    total_size_ -= it->size - it->offset;
    bars_.erase(it);
  }
  bars_.push_back(Bar{blob.digest.str(), short_id(blob.digest), blob.size, offset, offset, now});
  total_size_ += blob.size - offset;
  draw(now);
}

void ProgressBars::blob_bytes(const oci::Descriptor& blob, std::int64_t bytes_done) {
  std::lock_guard lock(mutex_);
  const auto it = std::ranges::find(bars_, blob.digest.str(), &Bar::digest);
  if (it == bars_.end()) return;
  it->done = bytes_done;
  const auto now = now_();
  if (now - last_draw_ >= kRedrawInterval) draw(now);
}

void ProgressBars::blob_finished(const oci::Descriptor& blob, BlobOutcome outcome) {
  std::lock_guard lock(mutex_);
  if (const auto it = std::ranges::find(bars_, blob.digest.str(), &Bar::digest);
      it != bars_.end()) {
    total_done_ += it->done - it->offset;
    // What a failed blob did not move is no longer to be moved.
    if (outcome == BlobOutcome::kFailed) total_size_ -= it->size - it->done;
    bars_.erase(it);
  }
  const char* what = "done";
  if (outcome == BlobOutcome::kSkipped) what = "skipped: already exists";
  if (outcome == BlobOutcome::kMounted) what = "mounted";
  if (outcome == BlobOutcome::kFailed) what = "failed";
  print_line(fmt::format("Copying blob {} {}", short_id(blob.digest), what));
}

void ProgressBars::manifest_written(std::string_view, const oci::Digest& digest,
                                    std::string_view media_type) {
  std::lock_guard lock(mutex_);
  print_line(fmt::format("Writing manifest {} ({})", digest.str(), media_type));
}

void ProgressBars::note(std::string_view text) {
  std::lock_guard lock(mutex_);
  print_line(std::string(text));
}

void ProgressBars::done() {
  std::lock_guard lock(mutex_);
  erase();
  const auto now = now_();
  if (first_start_ && total_done_ > 0) {
    const double elapsed = seconds(now - *first_start_);
    std::fprintf(out_, "Copied %s in %.1fs (%s)\n", human_bytes(total_done_).c_str(), elapsed,
                 rate(total_done_, elapsed).c_str());
  }
  std::fflush(out_);
}

}  // namespace transfer
