#include "cli/render_command.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/output_tree.h"
#include "cli/render_inputs.h"
#include "cli/tree_diff.h"
#include "openshift/drain_rule.h"
#include "openshift/machine_config.h"
#include "openshift/mco_release.h"
#include "openshift/node_files.h"

namespace cli {
namespace {

constexpr int kRendered = 0;
constexpr int kFailed = 1;
constexpr int kCheckDiffers = 3;

struct RenderFlags {
  std::vector<std::string> inputs;
  std::optional<std::string> out;
  std::optional<std::string> check;
  std::optional<std::string> base_registries_conf;
  std::optional<std::string> machineconfig_role;
  bool legacy_icsp = false;
  std::string payload_repo;
  bool json = false;
  std::string mco_release = "4.16";
};

int fail(const std::string& message) {
  fmt::print(stderr, "regmirror render: {}\n", message);
  return kFailed;
}

// --check --json: one object,
// {"identical", "files": [{"path", "change"}], "drain": {"required", "fails", "reason"}}.
std::string check_json(const TreeDiff& diff, const openshift::DrainDecision& drain) {
  nlohmann::json files = nlohmann::json::array();
  for (const openshift::NodeFileChange& change : diff.changes) {
    const char* kind = !change.before ? "added" : !change.after ? "removed" : "changed";
    files.push_back({{"path", "/" + change.path}, {"change", kind}});
  }
  return nlohmann::json{
      {"identical", diff.identical},
      {"files", std::move(files)},
      {"drain", {{"required", drain.required}, {"fails", drain.fails}, {"reason", drain.reason}}}}
      .dump();
}

std::string drain_line(const openshift::DrainDecision& drain) {
  if (drain.fails) return "drain: the daemon would fail this update: " + drain.reason + "\n";
  return fmt::format("drain: {} ({})\n", drain.required ? "required" : "not required",
                     drain.reason);
}

int run_render(const RenderFlags& flags) {
  auto objects = read_render_inputs(flags.inputs);
  if (!objects) return fail(objects.error().message);
  openshift::RenderOptions options;
  options.legacy_icsp = flags.legacy_icsp;
  options.payload_repo = flags.payload_repo;
  options.mco_release = openshift::parse_mco_release(flags.mco_release).value();  // checked
  if (flags.base_registries_conf) {
    auto base = read_text_file(*flags.base_registries_conf);
    if (!base) return fail(base.error().message);
    options.base_registries_conf = std::move(*base);
    options.base_registries_conf_name = *flags.base_registries_conf;
  }
  auto rendered = openshift::render_node_files(*objects, options);
  if (!rendered) return fail(rendered.error().message);
  for (const std::string& warning : rendered->warnings) {
    fmt::print(stderr, "regmirror render: warning: {}\n", warning);
  }

  if (flags.check) {
    std::vector<std::string> removable = stale_registry_ca_files(*flags.check, rendered->files);
    removable.emplace_back(openshift::kSearchRegistriesPath);
    auto diff =
        diff_against_node(*flags.check, rendered->files, removable, rendered->not_written_by_mco);
    if (!diff) return fail(diff.error().message);
    const openshift::DrainDecision drain = openshift::drain_decision(diff->changes);
    if (flags.json) {
      fmt::print("{}\n", check_json(*diff, drain));
    } else {
      fmt::print("{}", diff->identical ? "node files match what would be rendered\n"
                                       : describe_changes(diff->changes));
      fmt::print("{}", drain_line(drain));
    }
    if (!diff->identical) return kCheckDiffers;
  }
  if (!flags.out) return kRendered;
  std::map<std::string, std::string> files = rendered->files;
  if (flags.machineconfig_role) {
    std::map<std::string, std::string> carried;
    for (const std::string& path : rendered->machine_config_paths) {
      carried[path] = rendered->files.at(path);
    }
    files[openshift::machine_config_name(*flags.machineconfig_role) + ".yaml"] =
        openshift::machine_config_yaml(carried, *flags.machineconfig_role);
  }
  if (auto ok = write_output_tree(*flags.out, files); !ok) return fail(ok.error().message);
  return kRendered;
}

}  // namespace

void add_render_command(CLI::App& app) {
  auto flags = std::make_shared<RenderFlags>();
  auto* render = app.add_subcommand(
      "render", "Render OpenShift image config and mirror sets to node files, as the MCO does");
  render->footer(
      "Exit status: 0 rendered (or, with --check, the node matches), 1 invalid input or\n"
      "output error (nothing written), 2 usage error, 3 --check found differences.\n"
      "Examples:\n"
      "  regmirror render -f ./manifests --out ./node\n"
      "  regmirror render -f icsp.yaml -f image.yaml --out ./node --machineconfig worker\n"
      "  regmirror render -f ./manifests --check ./node-root   # files copied off a node\n"
      "  regmirror render -f ./manifests --check ./node-root --json   # with the drain verdict\n"
      "Guide: docs/render.md");
  render->add_option("-f,--filename", flags->inputs, "YAML file or directory (repeatable)")
      ->required();
  auto* out =
      render->add_option("--out", flags->out, "directory to create (must not exist or be empty)");
  auto* check = render->add_option(
      "--check", flags->check,
      "diff the rendered files against this node root, and say whether the MCO would drain");
  render->add_flag("--json", flags->json, "with --check: one JSON object instead of the diff")
      ->needs(check);
  render->add_option("--base-registries-conf", flags->base_registries_conf,
                     "the node's registries.conf before the MCO edits it (default: the MCO's)");
  render
      ->add_option("--machineconfig", flags->machineconfig_role,
                   "also write the MachineConfig for this pool")
      ->check(CLI::IsMember({"worker", "master"}))
      ->needs(out);
  render->add_flag("--legacy-icsp", flags->legacy_icsp,
                   "write mirror-by-digest-only = true (clusters before pull-from-mirror)");
  render
      ->add_option("--mco-release", flags->mco_release,
                   "write the byte layout of this MCO release: 4.17 indents policy.json, 4.19 "
                   "adds additional-layer-store-auth-helper")
      ->capture_default_str()
      ->check(
          [](const std::string& text) {
            return openshift::parse_mco_release(text) ? std::string()
                                                      : "not a release like 4.16 or 4.19";
          },
          "MAJOR.MINOR");
  render->add_option("--payload-repo", flags->payload_repo,
                     "release payload repository that must not be blocked");
  render->callback([flags] {
    if (!flags->out && !flags->check) throw CLI::RequiredError("--out or --check");
    throw CLI::RuntimeError(run_render(*flags));
  });
}

}  // namespace cli
