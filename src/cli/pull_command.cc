#include "cli/pull_command.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cli/access_flags.h"
#include "cli/copy_options_flags.h"
#include "cli/progress_choice.h"
#include "cli/transfer_summary.h"
#include "nodeconf/policy.h"
#include "nodeconf/resolution.h"
#include "transfer/copy_image.h"
#include "transfer/fallback_store.h"
#include "transfer/open_store.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSystemPolicy = "/etc/containers/policy.json";
constexpr int kPulled = 0;
constexpr int kFailed = 1;
constexpr int kUsageError = 2;

struct PullFlags {
  std::string reference;
  std::string destination = "oci:regmirror-pulls";
  std::string policy;
  AccessFlags access;
  CopyOptionsFlags copy;
  ProgressFlags progress;
};

int fail_with(const std::string& message, int status) {
  fmt::print(stderr, "regmirror pull: {}\n", message);
  return status;
}

// A named policy must load; the system one is used when it exists, as podman does.
std::optional<oci::Result<nodeconf::Policy>> load_policy(const PullFlags& flags) {
  if (!flags.policy.empty()) return nodeconf::load_policy(flags.policy);
  std::error_code ec;
  if (!fs::exists(kSystemPolicy, ec)) return std::nullopt;
  return nodeconf::load_policy(kSystemPolicy);
}

// What the user is told about where pieces came from: the source of the image itself,
// every failed attempt, and any piece a later source had to serve.
class SourceReport {
 public:
  explicit SourceReport(bool quiet) : quiet_(quiet) {}

  void operator()(std::string_view line) {
    const std::lock_guard lock(mutex_);
    const std::size_t from = line.rfind(" from ");
    const bool served =
        from != std::string_view::npos && line.find(" failed") == std::string_view::npos;
    if (served && first_source_.empty()) {
      first_source_ = std::string(line.substr(from + 6));
      return;
    }
    if (quiet_) return;
    if (served && line.substr(from + 6).starts_with(first_source_)) return;
    fmt::print(stderr, "{}\n", line);
  }

  std::string first_source() const {
    const std::lock_guard lock(mutex_);
    return first_source_;
  }

 private:
  bool quiet_;
  mutable std::mutex mutex_;
  std::string first_source_;
};

// The usable attempts of the docker:// transport for one candidate, as a FallbackStore.
oci::Result<std::unique_ptr<transfer::FallbackStore>> sources_for(
    const nodeconf::Resolution& resolution, const PullFlags& flags, transfer::StoreOpener& opener,
    SourceReport& report) {
  std::vector<transfer::FallbackStore::Source> sources;
  std::vector<std::string> refused;
  for (const nodeconf::TransportAttempt& attempt : resolution.transport.attempts) {
    if (attempt.error) {
      refused.push_back(*attempt.error);
      continue;
    }
    auto access = access_options(flags.access, nullptr);
    if (!access) return std::unexpected(access.error());
    if (attempt.source.endpoint.insecure) access->tls_verify = false;
    auto store = opener.open_repository(attempt.source.reference.name_only(), *access);
    if (!store) return std::unexpected(store.error());
    sources.push_back({attempt.source.reference.name(), std::move(*store)});
  }
  if (sources.empty()) {
    std::string why = resolution.transport.error.value_or("no source to pull from");
    for (const std::string& reason : refused) why.append("; ").append(reason);
    return oci::fail(oci::ErrorCode::kDenied, std::move(why));
  }
  return std::make_unique<transfer::FallbackStore>(
      std::move(sources), [&report](std::string_view line) { report(line); });
}

// The tag or digest every source is asked for (the same for all: only names are rewritten).
std::string reference_in_source(const oci::Reference& reference) {
  return reference.has_digest() ? reference.digest() : reference.tag();
}

int run_pull(PullFlags& flags) {
  if (auto loaded = load_registries_conf(flags.access); !loaded) {
    return fail_with(loaded.error().message, kUsageError);
  }
  const std::optional<oci::Result<nodeconf::Policy>> policy = load_policy(flags);
  if (policy && !*policy) return fail_with(policy->error().message, kUsageError);
  auto options = copy_options(flags.copy);
  if (!options) return fail_with(options.error().message, kUsageError);

  const oci::Result<nodeconf::RegistriesConf> conf = *flags.access.conf;
  const nodeconf::ShortNameView names = nodeconf::short_name_view(conf, flags.reference);
  if (names.error) return fail_with(*names.error, kFailed);

  transfer::StoreOpener opener(flags.access.state_dir);
  auto destination_access = access_options(flags.access, nullptr);
  if (!destination_access) return fail_with(destination_access.error().message, kUsageError);
  std::vector<std::string> failures;
  for (const oci::Reference& candidate : names.candidates) {
    const nodeconf::Resolution resolution =
        nodeconf::resolve(conf, policy ? &**policy : nullptr, candidate.str());
    if (resolution.policy && resolution.policy->verdict == nodeconf::PolicyVerdict::kReject) {
      failures.push_back(candidate.str() + ": rejected by policy: " + resolution.policy->reason);
      continue;
    }
    SourceReport report(flags.progress.quiet);
    auto sources = sources_for(resolution, flags, opener, report);
    if (!sources) {
      failures.push_back(candidate.str() + ": " + sources.error().message);
      continue;
    }
    const oci::Reference wanted = resolution.transport.reference.value_or(candidate);
    auto destination = opener.open(flags.destination, *destination_access, /*for_writing=*/true);
    if (!destination) return fail_with(destination.error().message, kFailed);
    const std::unique_ptr<transfer::Progress> progress = make_progress(flags.progress);
    auto copied = transfer::copy_image(**sources, reference_in_source(wanted), *destination->store,
                                       wanted.str(), *options, *progress);
    if (copied) {
      if (auto finished = destination->store->finish(); !finished) {
        copied = std::unexpected(finished.error());
      }
    }
    progress->done();
    if (!copied) {
      failures.push_back(candidate.str() + ": " + copied.error().message);
      continue;
    }
    if (!flags.progress.quiet) {
      fmt::print("Pulled {} from {} ({} into {}; {})\n", copied->digest.str(),
                 report.first_source(), wanted.str(), flags.destination, stats_text(copied->stats));
    }
    return kPulled;
  }
  std::string message = "cannot pull " + flags.reference;
  for (const std::string& failure : failures) message.append("\n  ").append(failure);
  return fail_with(message, kFailed);
}

}  // namespace

void add_pull_command(CLI::App& app) {
  auto flags = std::make_shared<PullFlags>();
  auto* pull = app.add_subcommand(
      "pull", "Pull an image as a node would: through registries.conf mirrors and policy.json");
  pull->footer(
      "Sources are tried in the order `regmirror resolve REF` shows; a piece a mirror lacks\n"
      "is fetched from the next source. Every byte is digest-verified.\n"
      "Exit status: 0 pulled, 1 no source could serve it (or blocked/rejected), 2 bad flags\n"
      "or configuration.\n"
      "Examples:\n"
      "  regmirror pull quay.io/ns/app:v2 --dest oci:./images\n"
      "  regmirror pull --registries-conf ./node/etc/containers/registries.conf \\\n"
      "      --policy ./node/etc/containers/policy.json --all "
      "registry.example.com/app@sha256:<digest>\n"
      "Guide: docs/pull.md");
  pull->add_option("reference", flags->reference, "image reference (REF)")->required();
  pull->add_option("--dest", flags->destination,
                   "where to store it: oci:DIR (the reference becomes the ref.name) or "
                   "oci-archive:FILE");
  pull->add_option("--policy", flags->policy,
                   "policy.json (default /etc/containers/policy.json when it exists)");
  add_copy_options_flags(*pull, flags->copy);
  add_access_flags(*pull, flags->access, Sides::kOne);
  add_progress_flags(*pull, flags->progress);
  pull->callback([flags] { throw CLI::RuntimeError(run_pull(*flags)); });
}

}  // namespace cli
