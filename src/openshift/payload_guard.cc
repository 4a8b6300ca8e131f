#include "openshift/payload_guard.h"

#include <algorithm>

#include <fmt/format.h>

#include "openshift/scope.h"

namespace openshift {
namespace {

bool served_by_unblocked_mirror(const std::string& payload_repo,
                                const std::vector<std::string>& blocked,
                                const std::map<std::string, SourceMirrors>& mirrors) {
  for (const auto& [source, source_mirrors] : mirrors) {
    if (!scope_is_nested(payload_repo, source)) continue;
    if (std::ranges::any_of(source_mirrors.digest_mirrors, [&](const std::string& mirror) {
          return !enclosing_scope(mirror, blocked);
        })) {
      return true;
    }
  }
  return false;
}

// Go's %q of a []string: ["a" "b"].
std::string go_quoted_list(const std::vector<std::string>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    out += (i > 0 ? " \"" : "\"") + values[i] + "\"";
  }
  return out + "]";
}

}  // namespace

GuardedScopes guard_payload(const std::vector<std::string>& blocked,
                            const std::string& payload_repo,
                            const std::map<std::string, SourceMirrors>& mirrors) {
  GuardedScopes out;
  std::vector<std::string> dropped;
  for (const std::string& scope : blocked) {
    if (payload_repo.empty() || !scope_is_nested(payload_repo, scope)) {
      out.registries_blocked.push_back(scope);
      out.policy_blocked.push_back(scope);
    } else if (!served_by_unblocked_mirror(payload_repo, blocked, mirrors)) {
      dropped.push_back(scope);
    } else {
      out.registries_blocked.push_back(scope);
      if (scope != payload_repo) out.policy_blocked.push_back(scope);
      out.policy_allowed.push_back(payload_repo);
    }
  }
  if (!dropped.empty()) {
    out.warning = fmt::format(
        "error adding {} to blocked registries, cannot block the repository being used by the "
        "payload",
        go_quoted_list(dropped));
  }
  return out;
}

}  // namespace openshift
