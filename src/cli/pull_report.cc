#include "cli/pull_report.h"

namespace cli {
namespace {

using Outcome = transfer::SourceAttempt::Outcome;

bool from_served_source(const transfer::SourceAttempt& attempt, const PullReport& report) {
  return report.pulled && attempt.source.location == report.served_by.location;
}

nlohmann::ordered_json attempt_json(const transfer::SourceAttempt& attempt) {
  nlohmann::ordered_json json{{"source", attempt.source.location},
                              {"mirror", attempt.source.mirror},
                              {"piece", transfer::piece_name(attempt.piece)},
                              {"reference", attempt.reference},
                              {"outcome", transfer::outcome_name(attempt.outcome)}};
  if (attempt.outcome != Outcome::kServed) json["error"] = attempt.error;
  if (attempt.piece == transfer::SourceAttempt::Piece::kBlob) json["offset"] = attempt.offset;
  json["bytes"] = attempt.bytes;
  return json;
}

}  // namespace

std::vector<std::string> attempt_lines(const PullReport& report) {
  std::vector<std::string> lines;
  for (const transfer::SourceAttempt& attempt : report.attempts) {
    if (attempt.outcome == Outcome::kServed && from_served_source(attempt, report)) continue;
    lines.push_back(transfer::describe(attempt));
  }
  return lines;
}

nlohmann::ordered_json pull_json(const PullReport& report) {
  nlohmann::ordered_json json{{"reference", report.input},
                              {"destination", report.destination},
                              {"pulled", report.pulled.has_value()}};
  if (report.pulled) {
    json["image"] = report.image;
    json["digest"] = report.pulled->digest.str();
    json["source"] = {{"location", report.served_by.location}, {"mirror", report.served_by.mirror}};
    const transfer::CopyStats& stats = report.pulled->stats;
    json["stats"] = {{"manifests", stats.manifests},
                     {"blobs_copied", stats.blobs_copied},
                     {"blobs_skipped", stats.blobs_skipped},
                     {"blobs_mounted", stats.blobs_mounted},
                     {"bytes_copied", stats.bytes_copied}};
  }
  nlohmann::ordered_json attempts = nlohmann::ordered_json::array();
  for (const transfer::SourceAttempt& attempt : report.attempts) {
    attempts.push_back(attempt_json(attempt));
  }
  json["attempts"] = std::move(attempts);
  json["failures"] = report.failures;
  return json;
}

}  // namespace cli
