// `regmirror verify`'s progress on a terminal: one line redrawn in place, at most ten times a
// second, "Verifying [=====     ] 123/500 images, 2 failing". Nothing when stderr is not a
// terminal (unless --progress=bars), --quiet or --progress=none.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/progress_choice.h"
#include "verify/verdict.h"

namespace cli {

class VerifyProgress {
 public:
  VerifyProgress(std::FILE* out, std::size_t total) : out_(out), total_(total) {}
  // Called one at a time (run_checks serialises its callback).
  void checked(const verify::ImageVerdict& verdict);
  void done();

 private:
  void draw();

  std::FILE* out_;
  std::size_t total_;
  std::size_t checked_ = 0;
  std::size_t failing_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

// nullptr when no progress is to be shown.
std::unique_ptr<VerifyProgress> make_verify_progress(const ProgressFlags& flags, std::size_t total);

}  // namespace cli
