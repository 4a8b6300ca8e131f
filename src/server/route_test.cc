#include "server/route.h"

#include <gtest/gtest.h>

namespace server {
namespace {

struct RouteCase {
  std::string target;
  Resource resource;
  std::string name;
  std::string reference;
};

// Names each case by its target in test listings.
void PrintTo(const RouteCase& c, std::ostream* os) { *os << '"' << c.target << '"'; }

class RouteTest : public testing::TestWithParam<RouteCase> {};

TEST_P(RouteTest, Matches) {
  const auto& c = GetParam();
  const Route r = route(c.target);
  EXPECT_EQ(r.resource, c.resource) << c.target;
  EXPECT_EQ(r.name, c.name) << c.target;
  EXPECT_EQ(r.reference, c.reference) << c.target;
}

INSTANTIATE_TEST_SUITE_P(
    Targets, RouteTest,
    testing::Values(
        RouteCase{"/v2/", Resource::kBase, "", ""}, RouteCase{"/v2", Resource::kBase, "", ""},
        RouteCase{"/healthz", Resource::kHealth, "", ""},
        RouteCase{"/v2/_catalog?n=10", Resource::kCatalog, "", ""},
        RouteCase{"/v2/a/b/tags/list", Resource::kTags, "a/b", ""},
        RouteCase{"/v2/a/manifests/latest", Resource::kManifest, "a", "latest"},
        RouteCase{"/v2/a/b/c/manifests/sha256:00", Resource::kManifest, "a/b/c", "sha256:00"},
        RouteCase{"/v2/a/blobs/sha256:ab", Resource::kBlob, "a", "sha256:ab"},
        RouteCase{"/v2/a/blobs/uploads/", Resource::kUploads, "a", ""},
        RouteCase{"/v2/a/blobs/uploads", Resource::kUploads, "a", ""},
        RouteCase{"/v2/a/blobs/uploads/1234?digest=x", Resource::kUpload, "a", "1234"},
        RouteCase{"/v2/a/referrers/sha256:ab", Resource::kReferrers, "a", "sha256:ab"},
        // a repository may contain the markers as components: the last one counts
        RouteCase{"/v2/blobs/manifests/x", Resource::kManifest, "blobs", "x"},
        RouteCase{"/v2/a/manifests/b/manifests/c", Resource::kManifest, "a/manifests/b", "c"},
        RouteCase{"/v2/a/blobs/b/blobs/sha256:1", Resource::kBlob, "a/blobs/b", "sha256:1"},
        RouteCase{"/regmirror/v1/upstreams", Resource::kUpstreams, "", ""},
        RouteCase{"/regmirror/v1/upstreams?x=1", Resource::kUpstreams, "", ""},
        RouteCase{"/regmirror/v1/upstreams/", Resource::kNone, "", ""},
        RouteCase{"/regmirror/v1/", Resource::kNone, "", ""},
        RouteCase{"/regmirror/v2/upstreams", Resource::kNone, "", ""},
        RouteCase{"/v2/tags/list", Resource::kNone, "", ""},
        RouteCase{"/v2/a/manifests/", Resource::kNone, "", ""},
        RouteCase{"/v2/a/manifests/x/y", Resource::kNone, "", ""},
        RouteCase{"/v3/a/manifests/x", Resource::kNone, "", ""},
        RouteCase{"", Resource::kNone, "", ""}, RouteCase{"*", Resource::kNone, "", ""},
        RouteCase{"/regmirror/v1/sync", Resource::kSyncSets, "", ""},
        RouteCase{"/regmirror/v1/gc", Resource::kGc, "", ""},
        RouteCase{"/regmirror/v1/status", Resource::kStatus, "", ""},
        RouteCase{"/regmirror/v1/gc/", Resource::kNone, "", ""},
        RouteCase{"/regmirror/v1/sync?x=1", Resource::kSyncSets, "", ""},
        RouteCase{"/regmirror/v1/sync/", Resource::kNone, "", ""},
        RouteCase{"/regmirror/v1/", Resource::kNone, "", ""},
        RouteCase{"/regmirror/v2/sync", Resource::kNone, "", ""},
        RouteCase{"/v2/regmirror/v1/sync", Resource::kNone, "", ""},
        // the web UI's JSON: repository names hold '/', the marker found last wins
        RouteCase{"/regmirror/v1/session", Resource::kSession, "", ""},
        RouteCase{"/regmirror/v1/repositories", Resource::kUiRepositories, "", ""},
        RouteCase{"/regmirror/v1/repositories?q=a&n=5", Resource::kUiRepositories, "", ""},
        RouteCase{"/regmirror/v1/repositories/", Resource::kNone, "", ""},
        RouteCase{"/regmirror/v1/repositories/a/b/tags", Resource::kUiTags, "a/b", ""},
        RouteCase{"/regmirror/v1/repositories/tags/tags", Resource::kUiTags, "tags", ""},
        RouteCase{"/regmirror/v1/repositories/tags", Resource::kNone, "", ""},
        RouteCase{"/regmirror/v1/repositories/a/tags/", Resource::kNone, "", ""},
        RouteCase{"/regmirror/v1/repositories/a/b/manifests/1.0", Resource::kUiImage, "a/b", "1.0"},
        RouteCase{"/regmirror/v1/repositories/a/manifests/b/manifests/sha256%3Aab",
                  Resource::kUiImage, "a/manifests/b", "sha256:ab"},
        RouteCase{"/regmirror/v1/repositories/a/tags/manifests/x", Resource::kUiImage, "a/tags",
                  "x"},
        RouteCase{"/regmirror/v1/repositories/a/manifests/", Resource::kNone, "", ""},
        RouteCase{"/regmirror/v1/repositories/a/manifests/x/y", Resource::kNone, "", ""},
        RouteCase{"/regmirror/v1/repositories/a%2Fb/tags", Resource::kUiTags, "a/b", ""},
        RouteCase{"/regmirror/v1/repositories/%zz/tags", Resource::kUiTags, "%zz", ""},
        RouteCase{"/regmirror/v1/session/", Resource::kNone, "", ""},

        // the web UI: its pages and files; never a repository name (pull-through looks those up)
        RouteCase{"/", Resource::kUi, "", ""}, RouteCase{"/?q=a", Resource::kUi, "", ""},
        RouteCase{"/ui", Resource::kUi, "", ""}, RouteCase{"/ui/", Resource::kUi, "", ""},
        RouteCase{"/ui/repositories/a/b/tags/x", Resource::kUi, "", "repositories/a/b/tags/x"},
        RouteCase{"/ui/assets/app.js", Resource::kUi, "", "assets/app.js"},
        RouteCase{"/ui/assets/../x", Resource::kUi, "", "assets/../x"},
        RouteCase{"/uix", Resource::kNone, "", ""}, RouteCase{"//ui/", Resource::kNone, "", ""},
        RouteCase{"/v2/ui/", Resource::kNone, "", ""}));

TEST(RouteQuery, DecodesParameters) {
  const Route r = route("/v2/a/blobs/uploads/?mount=sha256%3Aab&from=x%2Fy&flag&=z&n=1+2");
  EXPECT_EQ(r.param("mount"), "sha256:ab");
  EXPECT_EQ(r.param("from"), "x/y");
  EXPECT_TRUE(r.has_param("flag"));
  EXPECT_EQ(r.param("flag"), "");
  EXPECT_EQ(r.param("n"), "1 2");
  EXPECT_FALSE(r.has_param("missing"));
}

TEST(RouteQuery, KeepsMalformedEscapes) {
  const Route r = route("/v2/_catalog?last=%zz%4");
  EXPECT_EQ(r.param("last"), "%zz%4");
}

TEST(RouteQuery, FirstOccurrenceWins) {
  const Route r = route("/v2/_catalog?n=1&n=2");
  EXPECT_EQ(r.param("n"), "1");
}

TEST(RouteQuery, KeepsEveryValueOfARepeatedKey) {
  const Route r = route("/token?scope=repository:a:pull&service=s&scope=repository:b:push");
  EXPECT_EQ(r.resource, Resource::kToken);
  const auto [first, last] = r.query.equal_range("scope");
  std::vector<std::string> scopes;
  for (auto it = first; it != last; ++it) scopes.push_back(it->second);
  EXPECT_EQ(scopes, (std::vector<std::string>{"repository:a:pull", "repository:b:push"}));
}

TEST(FormBody, PlusIsASpace) {
  const QueryParams form = parse_form(
      "grant_type=password&scope=repository:a:pull+repository:b:pull"
      "&password=p%2Bq");
  EXPECT_EQ(form.find("scope")->second, "repository:a:pull repository:b:pull");
  EXPECT_EQ(form.find("password")->second, "p+q");
}

}  // namespace
}  // namespace server
