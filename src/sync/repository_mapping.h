// Where a synced repository goes: the source repository's path (its name without the
// domain) under the destination's path prefix, as oc-mirror does
// (quay.io/app/api -> eu.mirror.example.com/mirror/app/api), unless a rewrite rule
// matches: then the longest matching `from` prefix of the source name (on "/" boundaries)
// is replaced by `to` (from quay.io/app, to apps: quay.io/app/api -> .../mirror/apps/api).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"
#include "oci/reference.h"

namespace imagesync {

// A destination registry: "host[:port][/path/prefix]".
struct Destination {
  std::string host;
  std::string prefix;  // "" or "a/b"
  std::optional<bool> tls_verify;

  static oci::Result<Destination> parse(std::string_view text);
  std::string str() const { return prefix.empty() ? host : host + "/" + prefix; }
};

struct RewriteRule {
  std::string from;  // a normalized repository name prefix: "quay.io/app", "docker.io/library"
  std::string to;    // a path, "" allowed: the rest of the name goes directly under the prefix
};

// Checks a rule's spelling: `from` is host[/path] without tag or digest, `to` a path.
oci::Result<void> validate_rewrite(const RewriteRule& rule);

// The destination repository (a name-only reference) for the name-only `source`.
oci::Result<oci::Reference> destination_repository(const oci::Reference& source,
                                                   const Destination& destination,
                                                   const std::vector<RewriteRule>& rules);

// Source repository name -> destination repository name, for one destination. Fails when
// two sources map to the same destination repository.
oci::Result<std::map<std::string, std::string>> map_repositories(
    const std::vector<oci::Reference>& sources, const Destination& destination,
    const std::vector<RewriteRule>& rules);

}  // namespace imagesync
