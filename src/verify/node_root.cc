#include "verify/node_root.h"

#include "nodeconf/registries_conf_loader.h"

namespace verify {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kKubeletPullSecret = "var/lib/kubelet/config.json";

}  // namespace

oci::Result<NodeRoot> load_node_root(const fs::path& root, std::optional<fs::path> pull_secret,
                                     std::optional<fs::path> policy) {
  NodeRoot node;
  const fs::path containers = root / "etc/containers";
  node.registries_conf = nodeconf::load_registries_conf(
      nodeconf::ConfigLocation{.file = containers / "registries.conf",
                               .dropin_dir = containers / "registries.conf.d",
                               .file_is_optional = true});
  if (!node.registries_conf) return std::unexpected(node.registries_conf.error());
  std::error_code ec;
  // CRI-O and podman refuse every pull without a policy.json: no file is not "accept all".
  const fs::path policy_file = policy ? *policy : containers / "policy.json";
  if (!policy && !fs::exists(policy_file, ec)) {
    return oci::fail(oci::ErrorCode::kNotFound,
                     policy_file.string() +
                         " does not exist: a node without policy.json pulls nothing (give "
                         "--policy to check with another)");
  }
  auto loaded = nodeconf::load_policy(policy_file);
  if (!loaded) return std::unexpected(loaded.error());
  node.policy = std::move(*loaded);
  auto registries_d = nodeconf::RegistriesD::load(containers / "registries.d");
  if (!registries_d) return std::unexpected(registries_d.error());
  node.registries_d = std::move(*registries_d);
  // containers/image's order for a system context rooted at `root`.
  node.certs_d_roots = {containers / "certs.d", root / "etc/docker/certs.d"};
  if (pull_secret) {
    if (!fs::exists(*pull_secret, ec)) {
      return oci::fail(oci::ErrorCode::kNotFound,
                       "pull secret " + pull_secret->string() + " does not exist");
    }
    node.pull_secret = std::move(pull_secret);
  } else if (const fs::path kubelet = root / kKubeletPullSecret; fs::exists(kubelet, ec)) {
    node.pull_secret = kubelet;
  }
  return node;
}

}  // namespace verify
