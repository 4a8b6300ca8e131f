// Maps a request target to a Distribution API resource. Pure string work: names, digests and
// tags are carried as written and validated by registry/.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace server {

enum class Resource {
  kNone,       // no such endpoint
  kHealth,     // /healthz
  kBase,       // /v2/
  kCatalog,    // /v2/_catalog
  kTags,       // /v2/<name>/tags/list
  kManifest,   // /v2/<name>/manifests/<reference>
  kBlob,       // /v2/<name>/blobs/<digest>
  kUploads,    // /v2/<name>/blobs/uploads/
  kUpload,     // /v2/<name>/blobs/uploads/<id>
  kReferrers,  // /v2/<name>/referrers/<digest>
};

struct Route {
  Resource resource = Resource::kNone;
  std::string name;
  std::string reference;  // manifest reference, blob digest, upload id or subject digest
  std::map<std::string, std::string, std::less<>> query;  // percent-decoded

  std::string_view param(std::string_view key) const {
    auto it = query.find(key);
    return it == query.end() ? std::string_view() : std::string_view(it->second);
  }
  bool has_param(std::string_view key) const { return query.contains(key); }
};

Route route(std::string_view target);

}  // namespace server
