#include "cli/retention_command.h"

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

namespace cli {
namespace {

constexpr int kFailed = 1;
constexpr int kBadConfiguration = 2;

struct RetentionFlags {
  std::string config_file;
  std::optional<std::string> storage;
  bool dry_run = false;
  bool json = false;
};

void print_text(const registry::RetentionReport& report) {
  const char* verb = report.dry_run ? "would remove" : "removed";
  for (const auto& removed : report.removed) {
    fmt::print("{} tag {}:{} ({}): {}\n", verb, removed.repository, removed.tag, removed.digest,
               removed.reason);
  }
  fmt::print("{} {} tags, kept {} in {:.1f}s\n",
             report.dry_run ? "dry run: would remove" : "removed", report.removed.size(),
             report.tags_kept, std::chrono::duration<double>(report.duration).count());
}

int run(const RetentionFlags& flags) {
  auto loaded = server::load_server_config(flags.config_file);
  if (!loaded) {
    fmt::print(stderr, "regmirror retention: {}\n", loaded.error().message);
    return kBadConfiguration;
  }
  server::ServerConfig config = std::move(*loaded);
  if (config.retention.rules.empty()) {
    fmt::print(stderr, "regmirror retention: {} has no retention.rules: nothing to do\n",
               flags.config_file);
    return kBadConfiguration;
  }
  if (flags.storage) config.storage_root = *flags.storage;
  auto driver = storage::open_driver({.root = config.storage_root,
                                      .s3 = config.storage_s3,
                                      .spool = config.storage_root / "spool"});
  if (!driver) {
    fmt::print(stderr, "regmirror retention: {}\n", driver.error().message);
    return kFailed;
  }
  auto store = metadata::open_store(config.database, config.storage_root, config.metadata_cache);
  if (!store) {
    fmt::print(stderr, "regmirror retention: {}\n", store.error().message);
    return kFailed;
  }
  registry::Registry registry(**driver, **store, config.registry);
  auto report = registry.apply_retention(config.retention.rules, flags.dry_run);
  if (!report) {
    fmt::print(stderr, "regmirror retention: {}\n", report.error().message);
    return kFailed;
  }
  if (flags.json) {
    fmt::print("{}\n", server::retention_report_json(*report));
  } else {
    print_text(*report);
  }
  return 0;
}

}  // namespace

void add_retention_command(CLI::App& app) {
  auto flags = std::make_shared<RetentionFlags>();
  auto* command = app.add_subcommand(
      "retention", "Remove the tags the configuration's retention rules do not keep");
  command->footer(
      "Examples:\n"
      "  regmirror retention --config /etc/regmirror/config.yaml --dry-run\n"
      "  regmirror retention --config config.yaml --storage /var/lib/regmirror --json\n"
      "Only tags go; the manifests left untagged and their blobs go in the next garbage\n"
      "collection (`regmirror gc`, or serve's, which applies the rules itself first).\n"
      "Safe while `regmirror serve` runs on the same storage and database.\n"
      "Exit status: 0 done, 1 failed, 2 usage error, unusable --config or no rules in it.\n"
      "Guide: docs/retention.md");
  command
      ->add_option("-c,--config", flags->config_file,
                   "the server's YAML configuration, with retention.rules")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--storage", flags->storage,
                      "storage root (default: the configuration's, else ./regmirror-data)");
  command->add_flag("--dry-run", flags->dry_run, "list the tags that would go, remove nothing");
  command->add_flag("--json", flags->json, "print the report as JSON");
  command->callback([flags] { throw CLI::RuntimeError(run(*flags)); });
}

}  // namespace cli
