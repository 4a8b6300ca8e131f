// What `regmirror pull` says about a pull, built from the transfer::SourceAttempt values of
// every candidate it tried: the text lines for the terminal and the --json object.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "transfer/copy_image.h"
#include "transfer/source_attempt.h"

namespace cli {

struct PullReport {
  std::string input;                              // the reference as the user wrote it
  std::string destination;                        // --dest
  std::vector<transfer::SourceAttempt> attempts;  // of every candidate, in order
  std::vector<std::string> failures;              // "CANDIDATE: why", one per failed candidate
  // Set once a candidate was pulled.
  std::optional<transfer::CopyResult> pulled;
  std::string image;                     // the full reference stored, "quay.io/ns/app:v1"
  transfer::SourceRepository served_by;  // where the image's own manifest came from
};

// The lines for stderr: every failed or skipped attempt, and every piece served by another
// source than the one that served the image (a fallback). Nothing for the served source's
// own pieces: the "Pulled ... from SOURCE" line says it.
std::vector<std::string> attempt_lines(const PullReport& report);

// {"reference", "destination", "pulled", "image", "digest", "source": {"location",
//  "mirror"}, "stats", "attempts": [{"source", "mirror", "piece", "reference", "outcome",
//  "error", "offset", "bytes"}], "failures"}; the fields of a pull that did not happen are
// absent. Documented in docs/pull.md.
nlohmann::ordered_json pull_json(const PullReport& report);

}  // namespace cli
