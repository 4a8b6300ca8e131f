#include "cli/sync_command.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/access_flags.h"
#include "cli/progress_choice.h"
#include "cli/signing_flags.h"
#include "cli/sync_status_command.h"
#include "sync/archive.h"
#include "sync/mirror_sets.h"
#include "sync/sync_config.h"
#include "sync/sync_plan.h"
#include "sync/sync_run.h"
#include "transfer/open_store.h"

namespace cli {
namespace {

constexpr int kSynced = 0;
constexpr int kFailed = 1;
constexpr int kUsageError = 2;

struct SyncFlags {
  std::string config;
  std::string to_dir;
  std::vector<std::string> since;
  std::string from_dir;
  std::string to;
  std::string output_dir = "regmirror-mirror-sets";
  bool icsp = false;
  int jobs = 8;
  int blob_jobs = 4;
  bool no_referrers = false;
  AccessFlags access;
  ProgressFlags progress;
  SigningFlags signing;
};

int fail_with(const std::string& message, int status) {
  fmt::print(stderr, "regmirror sync: {}\n", message);
  return status;
}

// Writes the mirror sets and says where; a failure here fails the sync.
bool write_mirror_sets(const std::vector<imagesync::DestinationMirrors>& mirrors,
                       const SyncFlags& flags) {
  auto files = imagesync::mirror_set_files(mirrors, {.name = "regmirror", .icsp = flags.icsp});
  if (files) {
    if (auto written = imagesync::write_mirror_set_files(flags.output_dir, *files); !written) {
      files = std::unexpected(written.error());
    }
  }
  if (!files) {
    fmt::print(stderr, "regmirror sync: mirror sets: {}\n", files.error().message);
    return false;
  }
  if (!flags.progress.quiet) {
    for (const imagesync::MirrorSetFile& file : *files) {
      fmt::print("wrote {}\n", (std::filesystem::path(flags.output_dir) / file.path).string());
    }
  }
  return true;
}

int finish(const imagesync::SyncSummary& summary, bool mirror_sets_ok, const SyncFlags& flags) {
  const std::string text = imagesync::format_summary(summary);
  if (!summary.ok()) {
    fmt::print(stderr, "{}", text);
  } else if (!flags.progress.quiet) {
    fmt::print("{}", text);
  }
  return summary.ok() && mirror_sets_ok ? kSynced : kFailed;
}

struct SideAccess {
  transfer::AccessOptions source;
  transfer::AccessOptions destination;
};

oci::Result<SideAccess> sides(SyncFlags& flags) {
  if (auto loaded = load_registries_conf(flags.access); !loaded) {
    return std::unexpected(loaded.error());
  }
  auto source = access_options(flags.access, &flags.access.source);
  if (!source) return std::unexpected(source.error());
  auto destination = access_options(flags.access, &flags.access.destination);
  if (!destination) return std::unexpected(destination.error());
  return SideAccess{std::move(*source), std::move(*destination)};
}

imagesync::ArchiveOptions archive_options(const SyncFlags& flags) {
  imagesync::ArchiveOptions options;
  options.since.assign(flags.since.begin(), flags.since.end());
  options.jobs = flags.jobs;
  options.blob_jobs = flags.blob_jobs;
  options.referrers = !flags.no_referrers;
  return options;
}

int run_from_dir(SyncFlags& flags, const SideAccess& access, transfer::StoreOpener& opener,
                 transfer::Progress& progress) {
  auto destination = imagesync::Destination::parse(flags.to);
  if (!destination) return fail_with("--to: " + destination.error().message, kUsageError);
  std::vector<imagesync::RewriteRule> rewrite;
  if (!flags.config.empty()) {
    auto config = imagesync::load_sync_config(flags.config);
    if (!config) return fail_with(config.error().message, kUsageError);
    rewrite = config->rewrite;
  }
  auto mirrors = imagesync::archive_mirrors(flags.from_dir, *destination, rewrite);
  if (!mirrors) return fail_with(mirrors.error().message, kFailed);
  imagesync::StoreRepositories repositories(opener, access.source, access.destination);
  const imagesync::SyncSummary summary = imagesync::archive_from_dir(
      flags.from_dir, *destination, rewrite, archive_options(flags), repositories, progress);
  progress.done();
  const bool written = write_mirror_sets({*mirrors}, flags);
  return finish(summary, written, flags);
}

int run_sync(SyncFlags& flags) {
  auto access = sides(flags);
  if (!access) return fail_with(access.error().message, kUsageError);
  transfer::StoreOpener opener(flags.access.state_dir);
  const std::unique_ptr<transfer::Progress> progress = make_progress(flags.progress);
  if (!flags.from_dir.empty()) return run_from_dir(flags, *access, opener, *progress);

  auto config = imagesync::load_sync_config(flags.config);
  if (!config) return fail_with(config.error().message, kUsageError);
  imagesync::StoreRepositories repositories(opener, access->source, access->destination);
  if (!flags.to_dir.empty()) {
    const imagesync::SyncSummary summary = imagesync::archive_to_dir(
        *config, flags.to_dir, archive_options(flags), repositories, *progress);
    progress->done();
    return finish(summary, true, flags);
  }
  if (config->registries.empty()) {
    return fail_with(flags.config + ": no registries to sync to (or use --to-dir)", kUsageError);
  }
  // The key is read (and its passphrase asked for) before anything is copied.
  auto key = signing_key(flags.signing);
  if (!key) return fail_with(key.error().message, kUsageError);
  imagesync::SyncRunOptions options;
  options.jobs = flags.jobs;
  options.blob_jobs = flags.blob_jobs;
  options.referrers = !flags.no_referrers;
  if (*key) options.sign_with = &**key;
  const imagesync::SyncPlan plan = imagesync::plan_sync(*config, repositories, flags.jobs);
  const imagesync::SyncSummary summary =
      imagesync::run_plan(*config, plan, options, repositories, *progress);
  progress->done();
  const bool written = write_mirror_sets(imagesync::plan_mirrors(*config, plan), flags);
  return finish(summary, written, flags);
}

}  // namespace

void add_sync_command(CLI::App& app) {
  auto flags = std::make_shared<SyncFlags>();
  auto* sync = app.add_subcommand(
      "sync", "Copy a declared image set to many registries, or across an air gap on disk");
  sync->footer(
      "Idempotent: a second run copies nothing and says so. A failed destination does not\n"
      "stop the others; the summary names it and the exit status is 1 (2: usage error or\n"
      "unusable configuration).\n"
      "Examples:\n"
      "  regmirror sync --config sync.yaml                  # to every registry it lists\n"
      "  regmirror sync --config sync.yaml --to-dir /media/usb/set-2 --since /media/usb/set-1\n"
      "  regmirror sync --from-dir /media/usb/set-2 --to mirror.internal:5000/mirror\n"
      "  regmirror sync --config sync.yaml --sign-by-sigstore-private-key release.key\n"
      "  oc apply -f regmirror-mirror-sets/imagedigestmirrorset.yaml\n"
      "  regmirror sync status --server https://mirror.internal:5000   # scheduled sets\n"
      "Guide: docs/sync.md");
  auto* config = sync->add_option("-c,--config", flags->config, "sync.yaml: the image set");
  auto* to_dir = sync->add_option("--to-dir", flags->to_dir,
                                  "write the set to this OCI layout directory (mirror to disk)");
  sync->add_option("--since", flags->since,
                   "an earlier --to-dir archive: what it holds is not written again "
                   "(repeatable)")
      ->needs(to_dir);
  auto* from_dir = sync->add_option("--from-dir", flags->from_dir,
                                    "load this archive into the --to registry (disk to mirror)");
  auto* to = sync->add_option("--to", flags->to, "REGISTRY[/PREFIX] that --from-dir loads into");
  from_dir->needs(to)->excludes(to_dir);
  to->needs(from_dir);
  sync->add_option("--output-dir", flags->output_dir,
                   "where ImageDigestMirrorSet/ImageTagMirrorSet YAML is written "
                   "(default regmirror-mirror-sets)");
  sync->add_flag("--icsp", flags->icsp, "also write an ImageContentSourcePolicy");
  sync->add_option("-j,--jobs", flags->jobs,
                   "image copies at once, one per destination (default 8)")
      ->check(CLI::Range(1, 64));
  sync->add_option("--blob-jobs", flags->blob_jobs, "blobs moved at once per image (default 4)")
      ->check(CLI::Range(1, 64));
  sync->add_flag(
      "--no-referrers", flags->no_referrers,
      "leave signatures and SBOMs behind (referrers and cosign's sha256-<hex>.sig tags)");
  add_access_flags(*sync, flags->access, Sides::kSourceAndDestination);
  add_progress_flags(*sync, flags->progress);
  add_signing_flags(*sync, flags->signing, /*with_identity=*/false);
  // An archive has no destination reference to sign for; the images it carries keep the
  // signatures they had.
  sync->get_option("--sign-by-sigstore-private-key")->excludes(to_dir)->excludes(from_dir);
  add_sync_status_command(*sync);
  sync->callback([flags, config, from_dir] {
    if (config->count() == 0 && from_dir->count() == 0) {
      throw CLI::RequiredError("--config (or --from-dir)");
    }
    throw CLI::RuntimeError(run_sync(*flags));
  });
}

}  // namespace cli
