// What a request needs the caller to hold, from its route and method alone.
#pragma once

#include <string>

#include "auth/actions.h"
#include "server/http.h"
#include "server/route.h"

namespace server {

struct RequiredAccess {
  enum class Kind {
    kNone,        // served to anyone: /healthz, unknown paths (answered 404), the token endpoint,
                  // /regmirror/v1/session
    kSignedIn,    // GET /v2/, /regmirror/v1/sync, /metrics (metrics.auth signed-in): any
                  // caller whose credentials check out,
                  // anonymous only by rule
    kCatalog,     // /v2/_catalog, /regmirror/v1/repositories: anyone signed in; the list is
                  // filtered per repository
    kRepository,  // `action` on `repository`
    kAdmin,       // /regmirror/v1/gc: a signed-in caller that auth.admins names
  };
  Kind kind = Kind::kNone;
  std::string repository;
  auth::Action action = auth::Action::kPull;
};

// Reads (GET, HEAD) need pull; DELETE of a manifest or blob needs delete; everything else
// on a repository, uploads included, needs push. A mount's source is the upload handler's
// business: without pull on it the mount becomes a plain upload.
RequiredAccess required_access(const Route& route, http::verb method);

}  // namespace server
