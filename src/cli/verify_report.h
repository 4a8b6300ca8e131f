// How `regmirror verify` prints its verdicts: a line per image (and indented detail for
// those that would not pull), or one JSON object per image and per line (JSON Lines) with a
// closing summary object. Fields: docs/verify.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "verify/verdict.h"

namespace cli {

struct VerifySummary {
  std::int64_t images = 0;
  std::int64_t pulling = 0;
  std::int64_t requests = 0;         // sent
  std::int64_t distinct_pieces = 0;  // the fewest a run needs (each piece once per source)
};

std::vector<std::string> verdict_lines(const verify::ImageVerdict& verdict);
nlohmann::json verdict_json(const verify::ImageVerdict& verdict);

VerifySummary summarize(const std::vector<verify::ImageVerdict>& verdicts);
std::string summary_line(const VerifySummary& summary,
                         const std::vector<verify::ImageVerdict>& verdicts);
nlohmann::json summary_json(const VerifySummary& summary);

}  // namespace cli
