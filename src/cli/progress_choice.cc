#include "cli/progress_choice.h"

#include <unistd.h>

#include <cstdio>

#include "transfer/progress_bars.h"
#include "transfer/progress_json.h"

namespace cli {

void add_progress_flags(CLI::App& command, ProgressFlags& flags) {
  command.add_flag("-q,--quiet", flags.quiet, "print nothing but errors");
  command
      .add_option("--progress", flags.mode,
                  "auto (bars on a terminal), bars, json (one event per line on stderr), "
                  "none")
      ->check(CLI::IsMember({"auto", "bars", "json", "none"}));
}

std::unique_ptr<transfer::Progress> make_progress(const ProgressFlags& flags) {
  if (flags.quiet || flags.mode == "none") return std::make_unique<transfer::NoProgress>();
  if (flags.mode == "json") return std::make_unique<transfer::ProgressJson>(stderr);
  if (flags.mode == "bars" || isatty(fileno(stderr)) != 0) {
    return std::make_unique<transfer::ProgressBars>(stderr);
  }
  return std::make_unique<transfer::NoProgress>();
}

}  // namespace cli
