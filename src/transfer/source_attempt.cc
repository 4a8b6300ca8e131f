#include "transfer/source_attempt.h"

#include <algorithm>

#include <fmt/format.h>

namespace transfer {

std::string_view piece_name(SourceAttempt::Piece piece) {
  switch (piece) {
    case SourceAttempt::Piece::kManifest:
      return "manifest";
    case SourceAttempt::Piece::kBlob:
      return "blob";
    case SourceAttempt::Piece::kReferrers:
      return "referrers";
    case SourceAttempt::Piece::kTags:
      return "tags";
  }
  return "piece";
}

std::string_view outcome_name(SourceAttempt::Outcome outcome) {
  switch (outcome) {
    case SourceAttempt::Outcome::kServed:
      return "served";
    case SourceAttempt::Outcome::kFailed:
      return "failed";
    case SourceAttempt::Outcome::kSkipped:
      return "skipped";
  }
  return "unknown";
}

std::string describe(const SourceAttempt& attempt) {
  std::string line =
      fmt::format("{} {}: ", attempt.source.mirror ? "mirror" : "primary", attempt.reference);
  switch (attempt.outcome) {
    case SourceAttempt::Outcome::kSkipped:
      return line + fmt::format("skipped: {}", attempt.error);
    case SourceAttempt::Outcome::kFailed:
      line += fmt::format("{} failed", piece_name(attempt.piece));
      if (attempt.bytes > 0) line += fmt::format(" after {} bytes", attempt.bytes);
      return line + fmt::format(": {}", attempt.error);
    case SourceAttempt::Outcome::kServed:
      line += fmt::format("{} served", piece_name(attempt.piece));
      if (attempt.offset > 0) line += fmt::format(" from byte {}", attempt.offset);
      if (attempt.bytes > 0) line += fmt::format(" ({} bytes)", attempt.bytes);
      return line;
  }
  return line;
}

SourceRepository last_manifest_source(const std::vector<SourceAttempt>& attempts) {
  const auto served =
      std::ranges::find_if(attempts.rbegin(), attempts.rend(), [](const SourceAttempt& attempt) {
        return attempt.piece == SourceAttempt::Piece::kManifest &&
               attempt.outcome == SourceAttempt::Outcome::kServed;
      });
  return served == attempts.rend() ? SourceRepository{} : served->source;
}

}  // namespace transfer
