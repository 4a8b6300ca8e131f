#include "cli/resolution_text.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iterator>
#include <string>
#include <vector>

namespace cli {
namespace {

using Out = std::back_insert_iterator<std::string>;

std::string entry_summary(const nodeconf::Registry& registry) {
  std::string summary = fmt::format("matched [[registry]] prefix \"{}\"", registry.prefix);
  if (registry.endpoint.location != registry.prefix) {
    summary += registry.endpoint.location.empty()
                   ? " (no location: pulled as written)"
                   : fmt::format(" -> location \"{}\"", registry.endpoint.location);
  }
  if (registry.endpoint.insecure) summary += ", insecure";
  if (registry.mirror_by_digest_only) summary += ", mirror-by-digest-only";
  if (registry.blocked) summary += ", blocked";
  return summary;
}

void write_library(Out out, const nodeconf::LibraryView& library) {
  if (!library.registry) {
    fmt::format_to(out, "  no [[registry]] entry matches: pulled as written\n");
    return;
  }
  fmt::format_to(out, "  {}\n", entry_summary(*library.registry));
  for (const nodeconf::MirrorDecision& decision : library.mirrors) {
    fmt::format_to(out, "  mirror {}{}: {} ({})\n", decision.mirror.location,
                   decision.mirror.insecure ? " (insecure)" : "",
                   decision.used ? "used" : "skipped", decision.reason);
  }
}

void write_attempts(Out out, const nodeconf::TransportView& transport, bool short_name) {
  fmt::format_to(
      out, "  sources, in order{}:\n",
      short_name ? " (as docker:// reads it; podman tries the short-name candidates)" : "");
  int position = 0;
  for (const nodeconf::TransportAttempt& attempt : transport.attempts) {
    const nodeconf::PullSource& source = attempt.source;
    std::string notes = source.mirror ? "mirror" : "primary";
    if (source.endpoint.insecure) notes += ", insecure: HTTP or unverified TLS allowed";
    fmt::format_to(out, "    {}. {} ({})\n", ++position, source.reference.str(), notes);
    if (attempt.error) fmt::format_to(out, "       refused: {}\n", *attempt.error);
  }
}

void write_short_name(Out out, const nodeconf::ShortNameView& view) {
  if (!view.is_short_name) return;
  if (view.error) {
    fmt::format_to(out, "  short name: podman refuses it: {}\n", *view.error);
    return;
  }
  std::vector<std::string> candidates;
  candidates.reserve(view.candidates.size());
  for (const oci::Reference& candidate : view.candidates) candidates.push_back(candidate.str());
  const bool alias = view.rationale == nodeconf::ShortNameRationale::kAlias;
  fmt::format_to(out, "  short name: podman pulls {} ({} in {})\n",
                 fmt::join(candidates, ", then "),
                 alias ? "alias" : "unqualified-search-registries", view.origin);
}

void write_policy(Out out, const std::optional<nodeconf::PolicyDecision>& policy) {
  if (!policy) return;
  std::string_view verdict = "accepted";
  if (policy->verdict == nodeconf::PolicyVerdict::kReject) verdict = "rejected";
  if (policy->verdict == nodeconf::PolicyVerdict::kRequiresSignature) verdict = "needs a signature";
  fmt::format_to(out, "  policy: {} ({})\n", verdict, policy->reason);
}

}  // namespace

std::string resolution_text(const nodeconf::Resolution& resolution) {
  std::string text;
  Out out(text);
  fmt::format_to(out, "{}\n", resolution.input);
  if (resolution.library.error) {
    fmt::format_to(out, "  error: {}\n", *resolution.library.error);
  } else {
    write_library(out, resolution.library);
    if (resolution.transport.error) {
      fmt::format_to(out, "  error: {}\n", *resolution.transport.error);
    } else {
      write_attempts(out, resolution.transport, resolution.short_name.is_short_name);
    }
  }
  write_short_name(out, resolution.short_name);
  write_policy(out, resolution.policy);
  fmt::format_to(out, "  => {}\n", resolution.pullable() ? "can be pulled" : "cannot be pulled");
  return text;
}

}  // namespace cli
