#include "cli/verify_report.h"

#include <fmt/format.h>

#include <map>

namespace cli {
namespace {

std::string source_detail(const verify::SourceReport& source) {
  const std::string kind = source.mirror ? "mirror" : "primary";
  if (!source.status) return fmt::format("  {} {}: {}", kind, source.location, source.reason);
  if (*source.status == verify::Status::kOk) {
    return fmt::format("  {} {}: OK", kind, source.location);
  }
  return fmt::format("  {} {}: {} {}", kind, source.location, verify::status_name(*source.status),
                     source.reason);
}

nlohmann::json optional_text(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

}  // namespace

std::vector<std::string> verdict_lines(const verify::ImageVerdict& verdict) {
  std::vector<std::string> lines;
  const std::string status(verify::status_name(verdict.status));
  if (verdict.pulls()) {
    // The digest is news only for an image named by tag.
    const bool by_digest = verdict.image.ends_with("@" + verdict.manifest_digest);
    lines.push_back(fmt::format("{:<11} {} from {}{}", status, verdict.image, verdict.served_by,
                                by_digest ? "" : " (" + verdict.manifest_digest + ")"));
  } else {
    lines.push_back(fmt::format("{:<11} {}: {}", status, verdict.image, verdict.reason));
    for (const verify::SourceReport& source : verdict.sources) {
      lines.push_back(source_detail(source));
    }
  }
  return lines;
}

nlohmann::json verdict_json(const verify::ImageVerdict& verdict) {
  nlohmann::json sources = nlohmann::json::array();
  for (const verify::SourceReport& source : verdict.sources) {
    sources.push_back({
        {"location", source.location},
        {"mirror", source.mirror},
        {"reference", source.reference},
        {"status", source.status ? nlohmann::json(std::string(verify::status_name(*source.status)))
                                 : nlohmann::json(nullptr)},
        {"reason", optional_text(source.reason)},
        {"missing", optional_text(source.missing)},
    });
  }
  return {
      {"image", verdict.image},
      {"status", std::string(verify::status_name(verdict.status))},
      {"served_by", optional_text(verdict.served_by)},
      {"manifest_digest", optional_text(verdict.manifest_digest)},
      {"reason", optional_text(verdict.reason)},
      {"sources", std::move(sources)},
  };
}

VerifySummary summarize(const std::vector<verify::ImageVerdict>& verdicts) {
  VerifySummary summary;
  summary.images = static_cast<std::int64_t>(verdicts.size());
  for (const verify::ImageVerdict& verdict : verdicts) {
    if (verdict.pulls()) ++summary.pulling;
  }
  return summary;
}

std::string summary_line(const VerifySummary& summary,
                         const std::vector<verify::ImageVerdict>& verdicts) {
  std::map<std::string_view, int> failing;
  for (const verify::ImageVerdict& verdict : verdicts) {
    if (!verdict.pulls()) ++failing[verify::status_name(verdict.status)];
  }
  std::string counts;
  for (const auto& [status, count] : failing) {
    counts.append(counts.empty() ? " (" : ", ").append(fmt::format("{} {}", count, status));
  }
  if (!counts.empty()) counts.append(")");
  return fmt::format(
      "{} of {} images would pull{}; {} requests for {} distinct manifests and blobs",
      summary.pulling, summary.images, counts, summary.requests, summary.distinct_pieces);
}

nlohmann::json summary_json(const VerifySummary& summary) {
  return {{"summary",
           {{"images", summary.images},
            {"pulling", summary.pulling},
            {"failing", summary.images - summary.pulling},
            {"requests", summary.requests},
            {"distinct_pieces", summary.distinct_pieces}}}};
}

}  // namespace cli
