// The machine-config operator release whose byte layout `render` writes. The rules are the
// same from 4.13 (pull-from-mirror) to master; only the encoders changed:
//   4.17 (MCO 459d4c0d): policy.json written with json.MarshalIndent, two spaces
//   4.19 (containers/image 5.34): registries.conf gains additional-layer-store-auth-helper
#pragma once

#include <optional>
#include <string_view>

namespace openshift {

struct McoRelease {
  int major = 4;
  int minor = 16;

  bool indents_policy_json() const { return major > 4 || minor >= 17; }
  bool writes_layer_store_auth_helper() const { return major > 4 || minor >= 19; }
};

// "4.16", "4.19", "5.0"; nullopt when not MAJOR.MINOR with MAJOR 4 or more.
std::optional<McoRelease> parse_mco_release(std::string_view text);

}  // namespace openshift
