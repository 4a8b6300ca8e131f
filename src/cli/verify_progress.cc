#include "cli/verify_progress.h"

#include <unistd.h>

#include <fmt/format.h>

#include <string>

namespace cli {
namespace {

constexpr int kBarWidth = 30;
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

}  // namespace

void VerifyProgress::checked(const verify::ImageVerdict& verdict) {
  ++checked_;
  if (!verdict.pulls()) ++failing_;
  const auto now = std::chrono::steady_clock::now();
  if (checked_ == total_ || now - last_draw_ >= kRedrawInterval) {
    last_draw_ = now;
    draw();
  }
}

void VerifyProgress::draw() {
  const int filled = total_ == 0 ? kBarWidth : static_cast<int>(checked_ * kBarWidth / total_);
  const std::string bar = std::string(filled, '=') + std::string(kBarWidth - filled, ' ');
  fmt::print(out_, "\r\x1b[2KVerifying [{}] {}/{} images, {} failing", bar, checked_, total_,
             failing_);
  std::fflush(out_);
  drawn_ = true;
}

void VerifyProgress::done() {
  if (!drawn_) return;
  fmt::print(out_, "\r\x1b[2K");
  std::fflush(out_);
}

std::unique_ptr<VerifyProgress> make_verify_progress(const ProgressFlags& flags,
                                                     std::size_t total) {
  if (flags.quiet || flags.mode == "none" || flags.mode == "json") return nullptr;
  if (flags.mode == "bars" || isatty(fileno(stderr)) != 0) {
    return std::make_unique<VerifyProgress>(stderr, total);
  }
  return nullptr;
}

}  // namespace cli
