#include "server/route.h"

#include <algorithm>
#include <array>
#include <optional>

#include "oci/percent_encoding.h"

namespace server {
namespace {

QueryParams parse_query(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    std::string key = oci::percent_decode(pair.substr(0, eq));
    if (!key.empty()) {
      params.emplace(std::move(key), eq == std::string_view::npos
                                         ? std::string()
                                         : oci::percent_decode(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return params;
}

// The last occurrence of `marker`, which starts with '/'. string_view::rfind would compare
// the whole marker at every position of the path; only the few slashes are worth trying.
std::size_t rfind_marker(std::string_view path, std::string_view marker) {
  for (auto at = path.rfind('/'); at != std::string_view::npos;
       at = at == 0 ? std::string_view::npos : path.rfind('/', at - 1)) {
    if (path.substr(at).starts_with(marker)) return at;
  }
  return std::string_view::npos;
}

// "<name>/<marker><rest>" where <rest> is one path segment: the marker found last wins, so a
// repository may itself contain "blobs" or "manifests" as a component.
std::optional<Route> match_suffix(std::string_view path, std::string_view marker,
                                  Resource resource) {
  const auto at = rfind_marker(path, marker);
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  const std::string_view rest = path.substr(at + marker.size());
  if (rest.empty() || rest.find('/') != std::string_view::npos) return std::nullopt;
  return Route{resource, std::string(path.substr(0, at)), std::string(rest), {}};
}

std::optional<Route> match_repository_path(std::string_view path) {
  if (path.ends_with("/tags/list") && path.size() > 10) {
    return Route{Resource::kTags, std::string(path.substr(0, path.size() - 10)), {}, {}};
  }
  for (std::string_view uploads : {"/blobs/uploads/", "/blobs/uploads"}) {
    if (path.ends_with(uploads) && path.size() > uploads.size()) {
      return Route{
          Resource::kUploads, std::string(path.substr(0, path.size() - uploads.size())), {}, {}};
    }
  }
  if (auto r = match_suffix(path, "/blobs/uploads/", Resource::kUpload)) return r;
  if (auto r = match_suffix(path, "/manifests/", Resource::kManifest)) return r;
  if (auto r = match_suffix(path, "/blobs/", Resource::kBlob)) return r;
  if (auto r = match_suffix(path, "/referrers/", Resource::kReferrers)) return r;
  return std::nullopt;
}

// What follows "repositories/" in the UI's API: "<name>/tags" or "<name>/manifests/<ref>",
// the marker found last winning as in /v2/. Name and reference are percent-decoded (a UI
// may encode a digest's ':'); what does not decode stays as written and fails validation.
std::optional<Route> match_ui_repository_path(std::string_view path) {
  constexpr std::string_view kTags = "/tags";
  std::optional<Route> matched;
  if (path.ends_with(kTags) && path.size() > kTags.size()) {
    matched =
        Route{Resource::kUiTags, std::string(path.substr(0, path.size() - kTags.size())), {}, {}};
  } else {
    matched = match_suffix(path, "/manifests/", Resource::kUiImage);
  }
  if (matched) {
    matched->name = oci::percent_decode(matched->name);
    matched->reference = oci::percent_decode(matched->reference);
  }
  return matched;
}

// The resource of regmirror's API at `path` (what follows kApiPrefix); kNone when none.
Route api_route(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, Resource>, 6> kResources = {{
      {"sync", Resource::kSyncSets},
      {"gc", Resource::kGc},
      {"status", Resource::kStatus},
      {"upstreams", Resource::kUpstreams},
      {"session", Resource::kSession},
      {"repositories", Resource::kUiRepositories},
  }};
  for (const auto& [name, resource] : kResources) {
    if (path == name) return Route{resource, {}, {}, {}};
  }
  constexpr std::string_view kRepositories = "repositories/";
  if (path.starts_with(kRepositories)) {
    if (auto matched = match_ui_repository_path(path.substr(kRepositories.size()))) {
      return std::move(*matched);
    }
  }
  return {};
}

}  // namespace

std::string_view first_param(const QueryParams& params, std::string_view key) {
  const auto it = params.lower_bound(key);
  return it == params.end() || it->first != key ? std::string_view() : std::string_view(it->second);
}

std::vector<std::string_view> all_params(const QueryParams& params, std::string_view key) {
  std::vector<std::string_view> values;
  for (auto [it, end] = params.equal_range(key); it != end; ++it) values.push_back(it->second);
  return values;
}

QueryParams parse_form(std::string_view body) {
  std::string spaced(body);
  std::ranges::replace(spaced, '+', ' ');
  return parse_query(spaced);
}

Route route(std::string_view target) {
  const auto question = target.find('?');
  const std::string_view path = target.substr(0, question);
  Route result;
  if (path == "/healthz") {
    result.resource = Resource::kHealth;
  } else if (path == kTokenPath) {
    result.resource = Resource::kToken;
  } else if (path == "/v2/" || path == "/v2") {
    result.resource = Resource::kBase;
  } else if (path == "/v2/_catalog") {
    result.resource = Resource::kCatalog;
  } else if (path.starts_with("/v2/")) {
    if (auto matched = match_repository_path(path.substr(4))) result = std::move(*matched);
  } else if (path.starts_with(kApiPrefix)) {
    result = api_route(path.substr(kApiPrefix.size()));
  } else if (path == "/" || path == "/ui") {
    result.resource = Resource::kUi;
  } else if (path.starts_with(kUiPrefix)) {
    // Not in `name`: that is a repository's, which pull-through would look up.
    result.resource = Resource::kUi;
    result.reference = path.substr(kUiPrefix.size());
  }
  if (question != std::string_view::npos) result.query = parse_query(target.substr(question + 1));
  return result;
}

}  // namespace server
