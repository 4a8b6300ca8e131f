#include "cli/verify_command.h"

#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/output_tree.h"
#include "cli/progress_choice.h"
#include "cli/render_inputs.h"
#include "cli/verify_progress.h"
#include "cli/verify_report.h"
#include "openshift/node_files.h"
#include "sync/sync_config.h"
#include "sys/directories.h"
#include "sys/small_file.h"
#include "verify/image_check.h"
#include "verify/image_list.h"
#include "verify/node_root.h"
#include "verify/registry_probes.h"
#include "verify/run_checks.h"
#include "verify/signature_policy.h"
#include "verify/sync_images.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

constexpr int kAllPull = 0;
constexpr int kSomeFail = 1;
// Shares 2 with usage errors (cli/usage_error.h): nothing was checked, fix the input.
constexpr int kBadInput = 2;

struct VerifyFlags {
  std::vector<std::string> inputs;
  std::string node_root;
  std::string rendered_root;
  std::string base_registries_conf;
  std::string images;
  std::string config;
  std::string pull_secret;
  std::string policy;
  std::string registries_d;
  bool json = false;
  int jobs = 8;
  int retry_times = 1;
  int connect_timeout = 10;  // seconds
  std::vector<std::string> platforms;
  ProgressFlags progress;
};

int fail_with(const std::string& message, int status) {
  fmt::print(stderr, "regmirror verify: {}\n", message);
  return status;
}

// A directory removed when verify ends (the rendered node files when no --rendered-root).
class ScratchDir {
 public:
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  oci::Result<fs::path> make() {
    std::error_code ec;
    const fs::path parent = fs::temp_directory_path(ec);
    if (ec) return oci::fail(oci::ErrorCode::kInternal, "no temporary directory: " + ec.message());
    auto made = sys::create_temporary_directory(parent, "regmirror-verify-");
    if (!made) return oci::fail(oci::ErrorCode::kInternal, made.error().message);
    path_ = std::move(*made);
    return path_;
  }

 private:
  fs::path path_;
};

// The node files rendered from the cluster's objects, written under `root`.
oci::Result<void> render_into(const VerifyFlags& flags, const fs::path& root) {
  auto objects = read_render_inputs(flags.inputs);
  if (!objects) return std::unexpected(objects.error());
  openshift::RenderOptions options;
  if (!flags.base_registries_conf.empty()) {
    auto base = read_text_file(flags.base_registries_conf);
    if (!base) return std::unexpected(base.error());
    options.base_registries_conf = std::move(*base);
    options.base_registries_conf_name = flags.base_registries_conf;
  }
  auto rendered = openshift::render_node_files(*objects, options);
  if (!rendered) return std::unexpected(rendered.error());
  for (const std::string& warning : rendered->warnings) {
    fmt::print(stderr, "regmirror verify: warning: {}\n", warning);
  }
  return write_output_tree(root.string(), rendered->files);
}

oci::Result<verify::NodeRoot> node_files(const VerifyFlags& flags, ScratchDir& scratch) {
  fs::path root = flags.node_root;
  if (!flags.inputs.empty()) {
    if (!flags.rendered_root.empty()) {
      root = flags.rendered_root;
    } else {
      auto made = scratch.make();
      if (!made) return std::unexpected(made.error());
      root = *made;
    }
    if (auto ok = render_into(flags, root); !ok) return std::unexpected(ok.error());
  }
  std::optional<fs::path> pull_secret;
  if (!flags.pull_secret.empty()) pull_secret = flags.pull_secret;
  std::optional<fs::path> policy;
  if (!flags.policy.empty()) policy = flags.policy;
  auto node = verify::load_node_root(root, pull_secret, policy);
  if (!node) return node;
  if (!flags.registries_d.empty()) {
    auto registries_d = nodeconf::RegistriesD::load(flags.registries_d);
    if (!registries_d) return std::unexpected(registries_d.error());
    node->registries_d = std::move(*registries_d);
  }
  return node;
}

void print(const std::vector<verify::ImageVerdict>& verdicts, const VerifySummary& summary,
           const VerifyFlags& flags) {
  if (flags.json) {
    for (const verify::ImageVerdict& verdict : verdicts) {
      fmt::print("{}\n", verdict_json(verdict).dump(-1, ' ', false,
                                                    nlohmann::json::error_handler_t::replace));
    }
    fmt::print("{}\n", summary_json(summary).dump());
    return;
  }
  for (const verify::ImageVerdict& verdict : verdicts) {
    for (const std::string& line : verdict_lines(verdict)) fmt::print("{}\n", line);
  }
  if (!flags.progress.quiet) fmt::print(stderr, "{}\n", summary_line(summary, verdicts));
}

int run_verify(const VerifyFlags& flags) {
  ScratchDir scratch;
  auto node = node_files(flags, scratch);
  if (!node) return fail_with(node.error().message, kBadInput);

  verify::RegistryProbes probes(
      verify::NodeTrust{.certs_d_roots = node->certs_d_roots,
                        .pull_secret = node->pull_secret,
                        .retry = client::RetryPolicy{.attempts = flags.retry_times + 1},
                        .connect_timeout = std::chrono::seconds(flags.connect_timeout)});
  std::vector<std::string> images;
  std::vector<verify::ImageVerdict> unlisted;
  if (!flags.images.empty()) {
    // Read with the list's limit: a device or a huge file is refused before it is read whole.
    auto text = sys::read_small_file(flags.images, verify::kMaxImageListBytes);
    if (!text) return fail_with(text.error().message, kBadInput);
    auto parsed = verify::parse_image_list(*text, flags.images);
    if (!parsed) return fail_with(parsed.error().message, kBadInput);
    images = std::move(*parsed);
  } else {
    auto config = imagesync::load_sync_config(flags.config);
    if (!config) return fail_with(config.error().message, kBadInput);
    verify::SyncImages listed = verify::sync_images(*config, node->registries_conf, probes);
    images = std::move(listed.images);
    unlisted = std::move(listed.unlisted);
  }

  std::vector<transfer::Platform> platforms;
  for (const std::string& text : flags.platforms) {
    auto platform = transfer::Platform::parse(text);
    if (!platform) return fail_with(platform.error().message, kBadInput);
    platforms.push_back(std::move(*platform));
  }
  transfer::AccessOptions signature_access;
  signature_access.authfile = node->pull_secret;
  signature_access.certs_d_roots = node->certs_d_roots;
  signature_access.registries_conf = node->registries_conf ? &*node->registries_conf : nullptr;
  signature_access.retry.attempts = flags.retry_times + 1;
  verify::RegistrySignaturePolicy signatures(probes, node->registries_d, signature_access);
  const verify::ImageChecker checker(node->registries_conf, node->policy ? &*node->policy : nullptr,
                                     probes, signatures, std::move(platforms));
  const std::unique_ptr<VerifyProgress> progress =
      make_verify_progress(flags.progress, images.size());
  std::vector<verify::ImageVerdict> verdicts =
      verify::run_checks(images, checker, flags.jobs, [&](const verify::ImageVerdict& verdict) {
        if (progress) progress->checked(verdict);
      });
  if (progress) progress->done();
  verdicts.insert(verdicts.end(), std::make_move_iterator(unlisted.begin()),
                  std::make_move_iterator(unlisted.end()));

  VerifySummary summary = summarize(verdicts);
  summary.requests = probes.requests();
  summary.distinct_pieces = probes.distinct_pieces();
  print(verdicts, summary, flags);
  return summary.pulling == summary.images ? kAllPull : kSomeFail;
}

}  // namespace

void add_verify_command(CLI::App& app) {
  auto flags = std::make_shared<VerifyFlags>();
  auto* command = app.add_subcommand(
      "verify", "Check that the cluster's nodes would pull every image of a set, before they try");
  command->footer(
      "Each image is resolved as a node would (registries.conf mirrors, blocked, insecure;\n"
      "policy.json), then its sources are asked in order with the node's pull secret and trust\n"
      "(certs.d): the manifest, every child manifest, config and layer, and the signatures the\n"
      "policy requires. Verdicts: OK, MISSING, UNTRUSTED, DENIED, BLOCKED, UNSIGNED,\n"
      "UNREACHABLE, ERROR.\n"
      "Exit status: 0 every image would pull, 1 some would not, 2 usage error or unreadable\n"
      "input.\n"
      "Examples:\n"
      "  regmirror verify -f cluster/ --images images.txt --pull-secret pull-secret.json\n"
      "  regmirror verify --node-root / --config sync.yaml --json\n"
      "Guide: docs/verify.md");
  auto* filename =
      command->add_option("-f,--filename", flags->inputs,
                          "cluster objects: YAML file or directory (repeatable); rendered as "
                          "`regmirror render` does");
  auto* node_root =
      command->add_option("--node-root", flags->node_root,
                          "read the node files from this root instead (etc/containers/...)");
  auto* rendered_root =
      command->add_option("--rendered-root", flags->rendered_root,
                          "with -f: write the rendered node files here and keep them");
  auto* base_conf =
      command->add_option("--base-registries-conf", flags->base_registries_conf,
                          "with -f: the node's registries.conf before the MCO edits it");
  auto* images = command->add_option("--images", flags->images,
                                     "file of image references, one per line (# comments)");
  auto* config = command->add_option("--config", flags->config, "sync.yaml whose images to check");
  command->add_option("--pull-secret", flags->pull_secret,
                      "the node's pull secret (containers-auth.json); default: "
                      "var/lib/kubelet/config.json under --node-root, else anonymous");
  command->add_option("--policy", flags->policy,
                      "policy.json instead of the node's etc/containers/policy.json");
  command->add_option("--registries.d", flags->registries_d,
                      "registries.d directory (where signatures are read from) instead of the "
                      "node's etc/containers/registries.d");
  command->add_flag("--json", flags->json,
                    "one JSON object per image and line, then a summary object");
  command->add_option("--platform", flags->platforms,
                      "OS/ARCH[/VARIANT] of the cluster's nodes (repeatable): of an index, only "
                      "the child each picks is checked; default every child");
  command->add_option("--jobs", flags->jobs, "images checked at once")->check(CLI::Range(1, 256));
  command
      ->add_option("--retry-times", flags->retry_times,
                   "retries of a failed request (429, 5xx, connection errors)")
      ->check(CLI::Range(0, 100));
  command
      ->add_option("--connect-timeout", flags->connect_timeout,
                   "seconds to wait for a registry's TCP connection before it is UNREACHABLE")
      ->check(CLI::Range(1, 600));
  add_progress_flags(*command, flags->progress);
  filename->excludes(node_root);
  images->excludes(config);
  rendered_root->needs(filename);
  base_conf->needs(filename);
  command->callback([flags] {
    if (flags->inputs.empty() && flags->node_root.empty()) {
      throw CLI::RequiredError("-f (the cluster's objects) or --node-root");
    }
    if (flags->images.empty() && flags->config.empty()) {
      throw CLI::RequiredError("--images or --config");
    }
    throw CLI::RuntimeError(run_verify(*flags));
  });
}

}  // namespace cli
