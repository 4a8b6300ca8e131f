#include "cli/gc_command.h"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "metadata/open_store.h"
#include "registry/registry.h"
#include "server/config.h"
#include "server/gc_report_json.h"
#include "storage/open_driver.h"
#include "transfer/human_bytes.h"

namespace cli {
namespace {

constexpr int kFailed = 1;
constexpr int kBadConfiguration = 2;
// Another run holds the lease (a serve's schedule, a POST, another `regmirror gc`).
constexpr int kBusy = 3;

struct GcFlags {
  std::string config_file;
  std::optional<std::string> storage;
  std::optional<std::string> grace;
  bool dry_run = false;
  bool json = false;
};

void print_text(const registry::GcReport& report) {
  const char* verb = report.dry_run ? "would remove" : "removed";
  for (const auto& removed : report.tags_removed) {
    fmt::print("{} tag {}:{} ({}): {}\n", verb, removed.repository, removed.tag, removed.digest,
               removed.reason);
  }
  for (const std::string& manifest : report.manifests)
    fmt::print("{} manifest {}\n", verb, manifest);
  for (const std::string& blob : report.blobs) fmt::print("{} blob {}\n", verb, blob);
  fmt::print("{} {} tags, {} manifests, {} blobs, {} links, {} leftover files: {} {} in {:.1f}s\n",
             report.dry_run ? "dry run: would remove" : "removed", report.tags_removed.size(),
             report.manifests_removed, report.blobs_removed, report.links_removed,
             report.leftovers_removed,
             transfer::human_bytes(static_cast<std::int64_t>(report.bytes_freed)),
             report.dry_run ? "to free" : "freed",
             std::chrono::duration<double>(report.duration).count());
  for (const std::string& error : report.errors) fmt::print(stderr, "warning: {}\n", error);
}

int run(const GcFlags& flags) {
  server::ServerConfig config;
  if (!flags.config_file.empty()) {
    auto loaded = server::load_server_config(flags.config_file);
    if (!loaded) {
      fmt::print(stderr, "regmirror gc: {}\n", loaded.error().message);
      return kBadConfiguration;
    }
    config = std::move(*loaded);
  }
  if (flags.storage) config.storage_root = *flags.storage;
  if (flags.grace) {
    auto grace = server::parse_duration(*flags.grace);
    if (!grace) {
      fmt::print(stderr, "regmirror gc: --grace: {}\n", grace.error().message);
      return kBadConfiguration;
    }
    if (*grace < registry::kMinimumGrace) {
      fmt::print(stderr, "regmirror gc: --grace: must be at least 1s\n");
      return kBadConfiguration;
    }
    config.gc.grace = std::chrono::duration_cast<std::chrono::seconds>(*grace);
  }
  auto driver = storage::open_driver({.root = config.storage_root,
                                      .s3 = config.storage_s3,
                                      .spool = config.storage_root / "spool"});
  if (!driver) {
    fmt::print(stderr, "regmirror gc: {}\n", driver.error().message);
    return kFailed;
  }
  auto store = metadata::open_store(config.database, config.storage_root, config.metadata_cache);
  if (!store) {
    fmt::print(stderr, "regmirror gc: {}\n", store.error().message);
    return kFailed;
  }
  registry::Registry registry(**driver, **store, config.registry);
  registry::GcOptions options = server::gc_options(config.gc, config.mirror.upstreams);
  options.retention = config.retention.rules;
  options.dry_run = flags.dry_run;
  auto report = registry.collect_garbage(options);
  if (!report) {
    fmt::print(stderr, "regmirror gc: {}\n", report.error().message);
    return report.error().code == oci::ErrorCode::kTooManyRequests ? kBusy : kFailed;
  }
  if (flags.json) {
    fmt::print("{}\n", server::gc_report_json(*report));
  } else {
    print_text(*report);
  }
  return 0;
}

}  // namespace

void add_gc_command(CLI::App& app) {
  auto flags = std::make_shared<GcFlags>();
  auto* command = app.add_subcommand(
      "gc", "Remove what no tag keeps: untagged manifests, unreferenced blobs, crash leftovers");
  command->footer(
      "Examples:\n"
      "  regmirror gc --storage /var/lib/regmirror --dry-run\n"
      "  regmirror gc --config /etc/regmirror/config.yaml --json\n"
      "Safe while `regmirror serve` runs on the same storage and database.\n"
      "Exit status: 0 done, 1 failed, 2 usage error or unusable --config, 3 another\n"
      "garbage collection is running. Guide: docs/gc.md");
  command->add_option("-c,--config", flags->config_file, "the server's YAML configuration")
      ->check(CLI::ExistingFile);
  command->add_option("--storage", flags->storage, "storage root (default ./regmirror-data)");
  command->add_option("--grace", flags->grace,
                      "keep what was pushed, linked or claimed this recently (gc.grace, "
                      "default 1h)");
  command->add_flag("--dry-run", flags->dry_run, "report what would be removed, remove nothing");
  command->add_flag("--json", flags->json, "print the report as JSON");
  command->callback([flags] { throw CLI::RuntimeError(run(*flags)); });
}

}  // namespace cli
