#include "cli/resolve_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/policy_verification_flags.h"
#include "cli/resolution_json.h"
#include "cli/resolution_text.h"
#include "nodeconf/policy.h"
#include "nodeconf/registries_conf_loader.h"
#include "nodeconf/registries_d.h"
#include "nodeconf/resolution.h"
#include "transfer/copied_images.h"
#include "transfer/image_signatures.h"
#include "transfer/open_store.h"
#include "transfer/policy_verification.h"
#include "transfer/resolved_sources.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSystemRegistriesConf = "/etc/containers/registries.conf";
constexpr std::string_view kSystemRegistriesConfDir = "/etc/containers/registries.conf.d";

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
  std::string registries_d;
  bool json = false;
  bool verify = false;
};

// What --verify needs: the registries.d and the access to the sources.
struct Verifier {
  explicit Verifier(nodeconf::RegistriesD loaded) : registries_d(std::move(loaded)) {}
  nodeconf::RegistriesD registries_d;
  transfer::AccessOptions access;
  transfer::StoreOpener opener;
};

// --verify: the image's top manifest read as `regmirror pull` reads it (mirrors first); the
// image pull would check (of an index, the linux/amd64 child: the index itself is never
// checked, as containers/image), its signatures from the source that served it, every
// requirement checked. nullopt when there
// is nothing to check (no policy, or the reference does not resolve).
std::optional<VerifiedImage> verify_image(const nodeconf::Resolution& resolution,
                                          Verifier& verifier) {
  if (!resolution.policy || !resolution.transport.reference) return std::nullopt;
  const oci::Reference& wanted = *resolution.transport.reference;
  VerifiedImage image{wanted.str(), "", "", oci::fail(oci::ErrorCode::kInternal, "")};
  auto sources = transfer::open_resolved_sources(resolution, verifier.access, verifier.opener);
  if (!sources) {
    image.check = std::unexpected(sources.error());
    return image;
  }
  auto manifest = (*sources)->get_manifest(wanted.has_digest() ? wanted.digest() : wanted.tag());
  if (!manifest) {
    image.check = std::unexpected(manifest.error());
    return image;
  }
  const transfer::SourceRepository served = transfer::last_manifest_source((*sources)->attempts());
  transfer::ImageStore* store = (*sources)->store_of(served.location);
  if (store == nullptr) {
    image.check = oci::fail(oci::ErrorCode::kInternal, "no store for " + served.location);
    return image;
  }
  image.source = served.location;
  // Without --all or --platform: exactly one image, the one `regmirror pull` copies.
  auto pulled = transfer::copied_images(*store, *manifest, transfer::CopyOptions{});
  if (!pulled) {
    image.check = std::unexpected(pulled.error());
    return image;
  }
  const client::FetchedManifest& checked = pulled->front();
  image.digest = checked.digest.str();
  const transfer::ImageUnderCheck under_check{
      *store, transfer::registries_d_identity(served.location, image.reference), checked,
      image.reference};
  image.check = transfer::check_image_policy(*resolution.policy, under_check, verifier.registries_d,
                                             verifier.access);
  return image;
}

// As containers/image: the system file may be missing, a file named on the command line may
// not; the system drop-in directory applies unless another one is named.
nodeconf::ConfigLocation config_location(const ResolveFlags& flags) {
  return nodeconf::ConfigLocation{
      .file = flags.registries_conf.value_or(std::string(kSystemRegistriesConf)),
      .dropin_dir = flags.registries_conf_dir.value_or(std::string(kSystemRegistriesConfDir)),
      .file_is_optional = !flags.registries_conf.has_value()};
}

// A named policy must load; the default one (the user's, else the system's) is used when it
// exists.
std::optional<oci::Result<nodeconf::Policy>> load_policy(const ResolveFlags& flags) {
  if (flags.policy) return nodeconf::load_policy(*flags.policy);
  const std::string policy = default_policy_path();
  std::error_code ec;
  if (!fs::exists(policy, ec)) return std::nullopt;
  return nodeconf::load_policy(policy);
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
    fmt::print("policy: {}\n", flags.policy.value_or(default_policy_path()));
  } else {
    fmt::print("policy: not checked ({} does not exist)\n", default_policy_path());
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
  std::unique_ptr<Verifier> verifier;
  if (flags.verify) {
    auto registries_d = nodeconf::RegistriesD::load(flags.registries_d);
    if (!registries_d) {
      fmt::print(stderr, "regmirror resolve: {}\n", registries_d.error().message);
      return kUnreadablePolicy;
    }
    verifier = std::make_unique<Verifier>(std::move(*registries_d));
    if (conf) verifier->access.registries_conf = &*conf;
  }
  if (!flags.json) print_sources_read(conf, policy, flags);

  int status = kAllPullable;
  for (const std::string& reference : flags.references) {
    const nodeconf::Resolution resolution = nodeconf::resolve(conf, evaluated, reference);
    if (!resolution.pullable()) status = kNotPullable;
    std::optional<VerifiedImage> verified;
    if (verifier && resolution.pullable()) verified = verify_image(resolution, *verifier);
    if (verified && !(verified->check && verified->check->allowed)) status = kNotPullable;
    if (flags.json) {
      nlohmann::ordered_json json = resolution_json(resolution);
      if (verifier) json["verification"] = verified ? verification_json(*verified) : nullptr;
      fmt::print("{}\n", json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
      std::string text = resolution_text(resolution);
      if (verified) {
        text += verification_text(*verified);
      } else if (verifier) {
        text += "  verify: nothing to check (no policy.json, or the reference cannot be pulled)\n";
      }
      fmt::print("{}", text);
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
      "by policy, bad registries.conf; with --verify: its signatures do not satisfy the policy\n"
      "or cannot be read), 2 usage error or the policy file (or registries.d) cannot be read.\n"
      "Examples:\n"
      "  regmirror resolve busybox quay.io/podman/stable:latest\n"
      "  regmirror resolve --registries-conf ./registries.conf --registries-conf-dir ./none \\\n"
      "      registry.access.redhat.com/ubi8/ubi-minimal@sha256:<digest>\n"
      "  regmirror resolve --json docker.io/library/alpine:3   # one JSON object per line\n"
      "  regmirror resolve --verify --policy ./policy.json quay.io/ns/app:v2  # reads the "
      "registry\n"
      "Guide: docs/resolve.md");
  resolve->add_option("references", flags->references, "image references (REF...)")->required();
  resolve->add_option("--registries-conf", flags->registries_conf,
                      "registries.conf to read (default /etc/containers/registries.conf)");
  resolve->add_option("--registries-conf-dir", flags->registries_conf_dir,
                      "drop-in directory (default /etc/containers/registries.conf.d)");
  resolve->add_option("--policy", flags->policy,
                      "policy.json to check (default $HOME/.config/containers/policy.json if it "
                      "exists, else /etc/containers/policy.json if present)");
  resolve->add_flag("--verify", flags->verify,
                    "also read each image's manifest and signatures (mirrors first, as pull) and "
                    "report per policy.json requirement whether they satisfy it");
  add_registries_d_flag(*resolve, flags->registries_d);
  resolve->add_flag("--json", flags->json,
                    "one JSON object per reference and line (fields: docs/resolve.md)");
  resolve->callback([flags] { throw CLI::RuntimeError(run_resolve(*flags)); });
}

}  // namespace cli
