// Maps a request target to a Distribution API resource. Pure string work: names, digests and
// tags are carried as written and validated by registry/.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace server {

enum class Resource {
  kNone,       // no such endpoint
  kHealth,     // /healthz
  kToken,      // /token: the built-in token server
  kBase,       // /v2/
  kCatalog,    // /v2/_catalog
  kTags,       // /v2/<name>/tags/list
  kManifest,   // /v2/<name>/manifests/<reference>
  kBlob,       // /v2/<name>/blobs/<digest>
  kUploads,    // /v2/<name>/blobs/uploads/
  kUpload,     // /v2/<name>/blobs/uploads/<id>
  kReferrers,  // /v2/<name>/referrers/<digest>
  // regmirror's own API, under kApiPrefix
  kUpstreams,  // /regmirror/v1/upstreams: the mirror's upstreams and their health
  kSyncSets,   // /regmirror/v1/sync: the scheduled sync sets and their runs
  kGc,         // /regmirror/v1/gc: a garbage collection run (POST)
  kStatus,     // /regmirror/v1/status: the registry at a glance (storage, quotas, GC runs)
  // The web UI's JSON (docs/api.md); their name and reference are percent-decoded
  kSession,         // /regmirror/v1/session: who the caller is, how to sign in, what is on
  kUiRepositories,  // /regmirror/v1/repositories: the repositories, searched and paged
  kUiTags,          // /regmirror/v1/repositories/<name>/tags: every tag, described
  kUiImage,         // /regmirror/v1/repositories/<name>/manifests/<reference>
  // The web UI: /, /ui and /ui/<path> (the app's pages: index.html) and /ui/assets/<name>;
  // `reference` is the path after "/ui/" ("" for / and /ui).
  kUi,
  // metrics.path (default /metrics): set by the session, never by route(), since it is
  // configured. Last: tables indexed by resource end here.
  kMetrics,
};

using QueryParams = std::multimap<std::string, std::string, std::less<>>;

// The first value given for `key` ("" when none); every value, in the order given.
std::string_view first_param(const QueryParams& params, std::string_view key);
std::vector<std::string_view> all_params(const QueryParams& params, std::string_view key);

struct Route {
  Resource resource = Resource::kNone;
  std::string name;
  std::string reference;  // manifest reference, blob digest, upload id or subject digest
  // Percent-decoded, in the order given: a key may come more than once (`scope`).
  QueryParams query;

  std::string_view param(std::string_view key) const { return first_param(query, key); }
  bool has_param(std::string_view key) const { return query.contains(key); }
};

// An application/x-www-form-urlencoded body (a POST to the token endpoint): as a query,
// with '+' standing for a space.
QueryParams parse_form(std::string_view body);

inline constexpr std::string_view kTokenPath = "/token";
// regmirror's own API beside the distribution API: /regmirror/v1/<resource>.
inline constexpr std::string_view kApiPrefix = "/regmirror/v1/";
// The web UI's pages are under kUiPrefix, its files under kUiAssetsPrefix.
inline constexpr std::string_view kUiPrefix = "/ui/";
inline constexpr std::string_view kUiAssetsPrefix = "/ui/assets/";

Route route(std::string_view target);

}  // namespace server
