// The upstream table of pull-through mirror mode (issue 11): which registries regmirror
// mirrors, under which repository namespace each is exposed, and which upstream repository
// a request's repository names. Pure data and decisions, no I/O; the fetch path (client/,
// coalescing, freshness) and its wiring into server/ and cli/ come next and use this table.
//
// Exposure:
//   namespaced      `--upstream quay.io=https://quay.io`: `quay.io/openshift/ocp` here is
//                   `openshift/ocp` at https://quay.io (what an ImageDigestMirrorSet mirror
//                   `mirror.example.com/quay.io/openshift/ocp` asks for);
//   whole-registry  `--upstream https://registry-1.docker.io`: every repository outside the
//                   namespaced upstreams is the same name upstream, like docker's
//                   `registry-mirrors` and distribution's `proxy`.
// Names are never rewritten: `redis` is not expanded to `library/redis`. Docker, containerd
// and podman expand short names before they ask a mirror (they send `library/redis`), and
// distribution's proxy passes the requested name upstream unchanged; expanding here would give
// one image two names in the cache.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/repository_pattern.h"
#include "oci/error.h"

namespace mirror {

inline constexpr std::chrono::seconds kDefaultTagTtl = std::chrono::minutes(5);

// How regmirror signs in to an upstream and which TLS certificates it trusts there.
struct UpstreamAccess {
  std::optional<std::string> username;  // with password: Basic, or a Bearer token's login
  std::string password;
  std::filesystem::path auth_file;              // containers-auth.json; empty: none
  std::vector<std::filesystem::path> ca_files;  // trusted besides the system's CAs
  std::filesystem::path certs_dir;              // a containers-certs.d(5) root for the host
  bool insecure = false;                        // TLS not verified (an http:// URL implies it)
};

// Tag rules: regular expressions matched against the whole tag.
struct TagRules {
  std::vector<std::regex> include;  // empty: every tag
  std::vector<std::regex> exclude;  // wins over include

  bool allows(const std::string& tag) const;
};

struct Upstream {
  // The namespace under /v2/ it is exposed at, a valid repository name ("quay.io",
  // "mirrors/quay"); empty: whole-registry.
  std::string prefix;
  // scheme://host[:port], lowercase, no trailing slash; `http://` means plain HTTP.
  std::string url;
  // A cached tag is revalidated upstream once it is older than this.
  std::chrono::seconds tag_ttl = kDefaultTagTtl;
  // Matched against the upstream repository name (without the prefix). Empty include:
  // every repository; an exclude wins over an include.
  std::vector<auth::RepositoryPattern> include;
  std::vector<auth::RepositoryPattern> exclude;
  TagRules tags;
  // Pushes into the namespace are refused (DENIED) unless this is set.
  bool allow_push = false;
  UpstreamAccess access;

  // "host[:port]" of the URL, as references name it.
  std::string host() const;
  bool plain_http() const { return url.starts_with("http://"); }
};

// "scheme://host[:port]" with an optional trailing '/', normalised as Upstream::url wants it.
// kUnsupported for another scheme, a path, query, fragment or userinfo, a missing or
// malformed host, a port outside 1-65535.
oci::Result<std::string> parse_upstream_url(std::string_view text);

// kNameInvalid unless `prefix` is a valid repository name that leaves room for one more
// segment under it.
oci::Result<void> check_upstream_prefix(std::string_view prefix);

// The value of `regmirror serve --upstream [PREFIX=]URL`; the policy fields keep their
// defaults.
oci::Result<Upstream> parse_upstream_flag(std::string_view value);

// What a repository is to the table when it lies inside an upstream's namespace.
enum class Coverage {
  kServed,     // fetched from the upstream on demand
  kNotServed,  // inside the namespace but refused: an exclude rule, outside every include,
               // the bare prefix itself, or no valid repository name once the prefix is
               // cut; the server answers NAME_UNKNOWN, never serves it as a local one
};

struct UpstreamMatch {
  const Upstream* upstream;       // owned by the table
  std::string remote_repository;  // the name at upstream->url; empty for the bare prefix
  Coverage coverage;
};

class UpstreamTable {
 public:
  // kUnsupported for two upstreams with the same prefix (two whole-registry ones included),
  // kNameInvalid for an invalid prefix. Nested prefixes are allowed: the longest matching
  // one decides.
  // The URLs are expected as parse_upstream_url returns them.
  static oci::Result<UpstreamTable> create(std::vector<Upstream> upstreams);

  // nullopt: an ordinary local repository. Otherwise the upstream whose prefix is the
  // longest one `repository` lies under (segment by segment: `quay.io` covers `quay.io/x`,
  // not `quay.iox/x`), the whole-registry upstream when no prefix does; its include/exclude
  // rules decide alone, a refused repository does not fall back to a shorter prefix.
  std::optional<UpstreamMatch> match(std::string_view repository) const;

  const std::vector<Upstream>& upstreams() const { return upstreams_; }
  // The prefixes of the other upstreams inside `upstream`'s namespace (every namespaced one
  // for the whole-registry upstream): the repositories under them belong to those instead.
  std::vector<std::string> prefixes_within(const Upstream& upstream) const;

 private:
  std::vector<Upstream> upstreams_;  // longest prefix first, whole-registry last
};

}  // namespace mirror
