// The copy flags shared by copy, pull and sync: --all, --platform, --no-referrers, --jobs.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "oci/error.h"
#include "transfer/copy_image.h"

namespace cli {

struct CopyOptionsFlags {
  bool all = false;
  std::string platform;
  bool no_referrers = false;
  int jobs = 6;
};

void add_copy_options_flags(CLI::App& command, CopyOptionsFlags& flags);

oci::Result<transfer::CopyOptions> copy_options(const CopyOptionsFlags& flags);

}  // namespace cli
