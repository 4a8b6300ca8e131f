#include "server/required_access.h"

namespace server {

RequiredAccess required_access(const Route& route, http::verb method) {
  using Kind = RequiredAccess::Kind;
  const bool read = method == http::verb::get || method == http::verb::head;
  switch (route.resource) {
    case Resource::kNone:
    case Resource::kHealth:
    case Resource::kToken:
    case Resource::kSession:  // names the caller, refuses nobody
    case Resource::kUi:       // the app's files; the API it calls guards the data
      return {};
    case Resource::kBase:
    case Resource::kUpstreams:
    case Resource::kSyncSets:
    case Resource::kMetrics:  // when metrics.auth is signed-in; with none the gate is skipped
      return {Kind::kSignedIn, {}, auth::Action::kPull};
    case Resource::kCatalog:
    case Resource::kUiRepositories:
      return {Kind::kCatalog, {}, auth::Action::kPull};
    case Resource::kUiTags:
    case Resource::kUiImage:  // read-only views, whatever the method (others get 405)
      return {Kind::kRepository, route.name, auth::Action::kPull};
    case Resource::kGc:
    case Resource::kStatus:  // every namespace's usage
      return {Kind::kAdmin, {}, auth::Action::kPull};
    case Resource::kTags:
    case Resource::kReferrers:
      return {Kind::kRepository, route.name, read ? auth::Action::kPull : auth::Action::kPush};
    case Resource::kManifest:
    case Resource::kBlob: {
      auth::Action action = auth::Action::kPush;
      if (read) action = auth::Action::kPull;
      if (method == http::verb::delete_) action = auth::Action::kDelete;
      return {Kind::kRepository, route.name, action};
    }
    case Resource::kUploads:
    case Resource::kUpload:
      return {Kind::kRepository, route.name, auth::Action::kPush};
  }
  return {};
}

}  // namespace server
