#include "server/required_access.h"

#include <gtest/gtest.h>

namespace server {
namespace {

using Kind = RequiredAccess::Kind;

RequiredAccess of(std::string_view target, http::verb method) {
  return required_access(route(target), method);
}

TEST(RequiredAccess, ReadsNeedPull) {
  for (const auto* target : {"/v2/a/b/manifests/v1", "/v2/a/b/blobs/sha256:00", "/v2/a/b/tags/list",
                             "/v2/a/b/referrers/sha256:00"}) {
    for (const auto method : {http::verb::get, http::verb::head}) {
      const RequiredAccess needed = of(target, method);
      EXPECT_EQ(needed.kind, Kind::kRepository) << target;
      EXPECT_EQ(needed.repository, "a/b") << target;
      EXPECT_EQ(needed.action, auth::Action::kPull) << target;
    }
  }
}

TEST(RequiredAccess, WritesNeedPushAndDeletesDelete) {
  EXPECT_EQ(of("/v2/a/manifests/v1", http::verb::put).action, auth::Action::kPush);
  EXPECT_EQ(of("/v2/a/blobs/uploads/", http::verb::post).action, auth::Action::kPush);
  EXPECT_EQ(of("/v2/a/blobs/uploads/id", http::verb::get).action, auth::Action::kPush);
  EXPECT_EQ(of("/v2/a/blobs/uploads/id", http::verb::delete_).action, auth::Action::kPush);
  EXPECT_EQ(of("/v2/a/manifests/v1", http::verb::delete_).action, auth::Action::kDelete);
  EXPECT_EQ(of("/v2/a/blobs/sha256:00", http::verb::delete_).action, auth::Action::kDelete);
  // a method the endpoint refuses still needs more than pull to learn that
  EXPECT_EQ(of("/v2/a/tags/list", http::verb::post).action, auth::Action::kPush);
}

TEST(RequiredAccess, EndpointsWithoutARepository) {
  EXPECT_EQ(of("/v2/", http::verb::get).kind, Kind::kSignedIn);
  EXPECT_EQ(of("/v2/_catalog", http::verb::get).kind, Kind::kCatalog);
  EXPECT_EQ(of("/regmirror/v1/upstreams", http::verb::get).kind, Kind::kSignedIn);
  EXPECT_EQ(of("/regmirror/v1/sync", http::verb::get).kind, Kind::kSignedIn);
  EXPECT_EQ(of("/regmirror/v1/gc", http::verb::post).kind, Kind::kAdmin);
  EXPECT_EQ(of("/regmirror/v1/status", http::verb::get).kind, Kind::kAdmin);
  EXPECT_EQ(of("/healthz", http::verb::get).kind, Kind::kNone);
  EXPECT_EQ(of("/token?scope=x", http::verb::get).kind, Kind::kNone);
  EXPECT_EQ(of("/nothing/here", http::verb::get).kind, Kind::kNone);
}

TEST(RequiredAccess, WebUiViews) {
  EXPECT_EQ(of("/regmirror/v1/session", http::verb::get).kind, Kind::kNone);
  EXPECT_EQ(of("/regmirror/v1/repositories?q=x", http::verb::get).kind, Kind::kCatalog);
  for (const auto* target :
       {"/regmirror/v1/repositories/a/b/tags", "/regmirror/v1/repositories/a/b/manifests/1.0"}) {
    // read-only views: other methods are refused (405) to those who may read them
    for (const auto method : {http::verb::get, http::verb::head, http::verb::delete_}) {
      const RequiredAccess needed = of(target, method);
      EXPECT_EQ(needed.kind, Kind::kRepository) << target;
      EXPECT_EQ(needed.repository, "a/b") << target;
      EXPECT_EQ(needed.action, auth::Action::kPull) << target;
    }
  }
}

TEST(RequiredAccess, TheWebUiIsServedToAnyone) {
  for (const auto* target : {"/", "/ui", "/ui/repositories/a/b", "/ui/assets/app.js"}) {
    EXPECT_EQ(of(target, http::verb::get).kind, Kind::kNone) << target;
    EXPECT_EQ(of(target, http::verb::post).kind, Kind::kNone) << target;  // answered 405
  }
}

}  // namespace
}  // namespace server
