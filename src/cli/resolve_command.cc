#include "cli/resolve_command.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/resolution_json.h"
#include "cli/resolution_text.h"
#include "nodeconf/policy.h"
#include "nodeconf/registries_conf_loader.h"
#include "nodeconf/resolution.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSystemRegistriesConf = "/etc/containers/registries.conf";
constexpr std::string_view kSystemRegistriesConfDir = "/etc/containers/registries.conf.d";
constexpr std::string_view kSystemPolicy = "/etc/containers/policy.json";

// Exit statuses: every reference can be pulled / at least one cannot / nothing was resolved.
// An unreadable policy shares 2 with usage errors (cli/usage_error.h): in both cases no
// reference was looked at, so 1 keeps meaning "resolved, and something is not pullable".
constexpr int kAllPullable = 0;
constexpr int kNotPullable = 1;
constexpr int kUnreadablePolicy = 2;

struct ResolveFlags {
  std::vector<std::string> references;
  std::optional<std::string> registries_conf;
  std::optional<std::string> registries_conf_dir;
  std::optional<std::string> policy;
  bool json = false;
};

// As containers/image: the system file may be missing, a file named on the command line may
// not; the system drop-in directory applies unless another one is named.
nodeconf::ConfigLocation config_location(const ResolveFlags& flags) {
  return nodeconf::ConfigLocation{
      .file = flags.registries_conf.value_or(std::string(kSystemRegistriesConf)),
      .dropin_dir = flags.registries_conf_dir.value_or(std::string(kSystemRegistriesConfDir)),
      .file_is_optional = !flags.registries_conf.has_value()};
}

// A named policy must load; the system one is used when it exists.
std::optional<oci::Result<nodeconf::Policy>> load_policy(const ResolveFlags& flags) {
  if (flags.policy) return nodeconf::load_policy(*flags.policy);
  std::error_code ec;
  if (!fs::exists(kSystemPolicy, ec)) return std::nullopt;
  return nodeconf::load_policy(kSystemPolicy);
}

void print_sources_read(const oci::Result<nodeconf::RegistriesConf>& conf,
                        const std::optional<oci::Result<nodeconf::Policy>>& policy,
                        const ResolveFlags& flags) {
  if (conf) {
    const nodeconf::ConfigSources& sources = conf->sources;
    fmt::print("registries.conf: {}{}\n", sources.file, sources.file_read ? "" : " (absent)");
    for (const std::string& drop_in : sources.dropin_files) fmt::print("  drop-in: {}\n", drop_in);
  }
  if (policy) {
    fmt::print("policy: {}\n", flags.policy.value_or(std::string(kSystemPolicy)));
  } else {
    fmt::print("policy: not checked ({} does not exist)\n", kSystemPolicy);
  }
  fmt::print("\n");
}

int run_resolve(const ResolveFlags& flags) {
  const oci::Result<nodeconf::RegistriesConf> conf =
      nodeconf::load_registries_conf(config_location(flags));
  const std::optional<oci::Result<nodeconf::Policy>> policy = load_policy(flags);
  if (policy && !*policy) {
    fmt::print(stderr, "regmirror resolve: {}\n", policy->error().message);
    return kUnreadablePolicy;
  }
  const nodeconf::Policy* evaluated = policy ? &**policy : nullptr;
  if (!flags.json) print_sources_read(conf, policy, flags);

  int status = kAllPullable;
  for (const std::string& reference : flags.references) {
    const nodeconf::Resolution resolution = nodeconf::resolve(conf, evaluated, reference);
    if (!resolution.pullable()) status = kNotPullable;
    if (flags.json) {
      fmt::print("{}\n", resolution_json(resolution)
                             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      fmt::print("{}", resolution_text(resolution));
    }
  }
  return status;
}

}  // namespace

void add_resolve_command(CLI::App& app) {
  auto flags = std::make_shared<ResolveFlags>();
  auto* resolve = app.add_subcommand(
      "resolve", "Show where a node would pull each image from (registries.conf, policy.json)");
  resolve->footer(
      "Exit status: 0 every reference can be pulled, 1 one cannot (invalid, blocked, rejected\n"
      "by policy, bad registries.conf), 2 usage error or the policy file cannot be read.\n"
      "Examples:\n"
      "  regmirror resolve busybox quay.io/podman/stable:latest\n"
      "  regmirror resolve --registries-conf ./registries.conf --registries-conf-dir ./none \\\n"
      "      registry.access.redhat.com/ubi8/ubi-minimal@sha256:<digest>\n"
      "  regmirror resolve --json docker.io/library/alpine:3   # one JSON object per line\n"
      "Guide: docs/resolve.md");
  resolve->add_option("references", flags->references, "image references (REF...)")->required();
  resolve->add_option("--registries-conf", flags->registries_conf,
                      "registries.conf to read (default /etc/containers/registries.conf)");
  resolve->add_option("--registries-conf-dir", flags->registries_conf_dir,
                      "drop-in directory (default /etc/containers/registries.conf.d)");
  resolve->add_option("--policy", flags->policy,
                      "policy.json to check (default /etc/containers/policy.json if present)");
  resolve->add_flag("--json", flags->json,
                    "one JSON object per reference and line (fields: docs/resolve.md)");
  resolve->callback([flags] { throw CLI::RuntimeError(run_resolve(*flags)); });
}

}  // namespace cli
