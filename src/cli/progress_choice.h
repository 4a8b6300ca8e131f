// --quiet and --progress=auto|bars|json|none: which transfer::Progress a command reports to.
// auto = bars when stderr is a terminal, nothing otherwise (CI logs stay clean).
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "transfer/progress.h"

namespace cli {

struct ProgressFlags {
  bool quiet = false;
  std::string mode = "auto";
};

void add_progress_flags(CLI::App& command, ProgressFlags& flags);

std::unique_ptr<transfer::Progress> make_progress(const ProgressFlags& flags);

}  // namespace cli
