#include "cli/pull_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/access_flags.h"
#include "cli/copy_options_flags.h"
#include "cli/policy_verification_flags.h"
#include "cli/progress_choice.h"
#include "cli/pull_report.h"
#include "cli/transfer_summary.h"
#include "nodeconf/policy.h"
#include "nodeconf/resolution.h"
#include "transfer/open_store.h"
#include "transfer/pull_image.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

constexpr int kPulled = 0;
constexpr int kFailed = 1;
// Shares 2 with usage errors (cli/usage_error.h): nothing was tried, fix the input.
constexpr int kBadConfiguration = 2;

struct PullFlags {
  std::string reference;
  std::string destination = "oci:regmirror-pulls";
  std::string policy;
  std::string registries_d;
  bool json = false;
  AccessFlags access;
  CopyOptionsFlags copy;
  ProgressFlags progress;
};

int fail_with(const std::string& message, int status) {
  fmt::print(stderr, "regmirror pull: {}\n", message);
  return status;
}

// A named policy must load; the default one (the user's, else the system's) is used when it
// exists, as podman does.
std::optional<oci::Result<nodeconf::Policy>> load_policy(const PullFlags& flags) {
  if (!flags.policy.empty()) return nodeconf::load_policy(flags.policy);
  const std::string policy = default_policy_path();
  std::error_code ec;
  if (!fs::exists(policy, ec)) return std::nullopt;
  return nodeconf::load_policy(policy);
}

// Says what happened, from the attempts: JSON on stdout with --json, else a line per failed,
// skipped or fallback attempt on stderr and "Pulled ..." on stdout.
int finish(const PullReport& report, const PullFlags& flags) {
  if (flags.json) {
    fmt::print("{}\n",
               pull_json(report).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else if (!flags.progress.quiet) {
    for (const std::string& line : attempt_lines(report)) fmt::print(stderr, "{}\n", line);
    if (report.pulled) {
      fmt::print("Pulled {} from {} ({} into {}; {})\n", report.pulled->digest.str(),
                 report.served_by.location, report.image, flags.destination,
                 stats_text(report.pulled->stats));
    }
  }
  if (report.pulled) return kPulled;
  std::string message = "cannot pull " + flags.reference;
  for (const std::string& failure : report.failures) message.append("\n  ").append(failure);
  return fail_with(message, kFailed);
}

int run_pull(PullFlags& flags) {
  if (auto loaded = load_registries_conf(flags.access); !loaded) {
    return fail_with(loaded.error().message, kBadConfiguration);
  }
  const std::optional<oci::Result<nodeconf::Policy>> policy = load_policy(flags);
  if (policy && !*policy) return fail_with(policy->error().message, kBadConfiguration);
  auto options = copy_options(flags.copy);
  if (!options) return fail_with(options.error().message, kBadConfiguration);
  const auto registries_d = nodeconf::RegistriesD::load(flags.registries_d);
  if (!registries_d) return fail_with(registries_d.error().message, kBadConfiguration);
  // A pull reads through the node's mirrors, which may be for digests only: looking up the
  // attachment tags (sha256-<hex>.sig...) would ask the unreachable source of a disconnected
  // node, and every absent one would be a line of the pull's report. They are left behind.
  options->attachments = false;

  const oci::Result<nodeconf::RegistriesConf> conf = *flags.access.conf;
  const nodeconf::ShortNameView names = nodeconf::short_name_view(conf, flags.reference);
  if (names.error) return fail_with(*names.error, kFailed);

  transfer::StoreOpener opener(flags.access.state_dir);
  auto access = access_options(flags.access, nullptr);
  if (!access) return fail_with(access.error().message, kBadConfiguration);
  PullReport report;
  report.input = flags.reference;
  report.destination = flags.destination;
  for (const oci::Reference& candidate : names.candidates) {
    const nodeconf::Resolution resolution =
        nodeconf::resolve(conf, policy ? &**policy : nullptr, candidate.str());
    if (resolution.policy && resolution.policy->verdict == nodeconf::PolicyVerdict::kReject) {
      report.failures.push_back(candidate.str() +
                                ": rejected by policy: " + resolution.policy->reason);
      continue;
    }
    const transfer::DestinationOpener open_destination =
        [&]() -> oci::Result<std::unique_ptr<transfer::ImageStore>> {
      auto destination = opener.open(flags.destination, *access, /*for_writing=*/true);
      if (!destination) return std::unexpected(destination.error());
      return std::move(destination->store);
    };
    // Signature requirements are checked on the top manifest before anything is written,
    // against the reference asked for (not the mirror's), as containers/image does.
    transfer::ServedManifestCheck check;
    if (resolution.policy &&
        resolution.policy->verdict == nodeconf::PolicyVerdict::kRequiresSignature) {
      check = policy_check_hook(*resolution.policy, resolution.transport.reference->str(),
                                *registries_d, *access);
    }
    const std::unique_ptr<transfer::Progress> progress = make_progress(flags.progress);
    transfer::PullResult pulled = transfer::pull_image(
        resolution, *access, opener, open_destination, *options, *progress, check);
    progress->done();
    if (pulled.destination_failed) return fail_with(pulled.copied.error().message, kFailed);
    std::ranges::move(pulled.attempts, std::back_inserter(report.attempts));
    if (!pulled.copied) {
      report.failures.push_back(candidate.str() + ": " + pulled.copied.error().message);
      continue;
    }
    report.pulled = std::move(*pulled.copied);
    report.image = resolution.transport.reference->str();
    report.served_by = pulled.served_by;
    break;
  }
  return finish(report, flags);
}

}  // namespace

void add_pull_command(CLI::App& app) {
  auto flags = std::make_shared<PullFlags>();
  auto* pull = app.add_subcommand(
      "pull", "Pull an image as a node would: through registries.conf mirrors and policy.json");
  pull->footer(
      "Sources are tried in the order `regmirror resolve REF` shows; a piece a mirror lacks\n"
      "is fetched from the next source. Every byte is digest-verified. policy.json's signedBy\n"
      "and sigstoreSigned requirements are verified before anything is written (signatures\n"
      "from the source that served the manifest, registries.d for lookaside and attachments).\n"
      "Exit status: 0 pulled, 1 no source could serve it (or blocked/rejected), 2 usage error\n"
      "or unreadable registries.conf/policy.json.\n"
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
                   "policy.json (default $HOME/.config/containers/policy.json if it exists, else "
                   "/etc/containers/policy.json when it exists)");
  add_registries_d_flag(*pull, flags->registries_d);
  pull->add_flag("--json", flags->json,
                 "print the result and every source attempt as one JSON object "
                 "(fields: docs/pull.md)");
  add_copy_options_flags(*pull, flags->copy);
  add_access_flags(*pull, flags->access, Sides::kOne);
  add_progress_flags(*pull, flags->progress);
  pull->callback([flags] { throw CLI::RuntimeError(run_pull(*flags)); });
}

}  // namespace cli
