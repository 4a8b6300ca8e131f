// Library and docker:// transport views over the fixtures. Expected values are what
// containers/image 5.23.1 answers for the same files, except where current upstream differs
// (noted at the case).
#include "nodeconf/resolution.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nodeconf/test_fixtures.h"

namespace nodeconf {
namespace {

using testing_fixtures::load_fixture;

const std::string kDigest =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// "D" in a reference stands for kDigest.
std::string expand(std::string text) {
  if (const auto at = text.find("@D"); at != std::string::npos) text.replace(at + 1, 1, kDigest);
  return text;
}

// "LOCATION REFERENCE [mirror] [insecure]"
std::string describe(const PullSource& source) {
  std::string text = source.endpoint.location + " " + source.reference.str();
  if (source.mirror) text += " mirror";
  if (source.endpoint.insecure) text += " insecure";
  return text;
}

struct SourcesCase {
  std::string conf;
  std::string ref;
  std::vector<std::string> sources;
  bool blocked = false;
  std::string error = {};
};

class PullSourcesTest : public testing::TestWithParam<SourcesCase> {};

TEST_P(PullSourcesTest, MatchesContainersImage) {
  const SourcesCase& c = GetParam();
  const auto conf = load_fixture(c.conf);
  ASSERT_TRUE(conf) << conf.error().message;
  const LibraryView view = library_view(conf, expand(c.ref));
  if (!c.error.empty()) {
    EXPECT_EQ(view.error.value_or("no error"), c.error);
    EXPECT_TRUE(view.pull_sources.empty());
    return;
  }
  ASSERT_FALSE(view.error) << *view.error;
  std::vector<std::string> sources;
  for (const PullSource& source : view.pull_sources) sources.push_back(describe(source));
  std::vector<std::string> expected;
  for (const std::string& source : c.sources) expected.push_back(expand(source));
  EXPECT_EQ(sources, expected);
  EXPECT_EQ(view.blocked, c.blocked);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Fixtures, PullSourcesTest, testing::Values(
    // ImageContentSourcePolicy: mirrors only for digests, and only under the exact repository.
    SourcesCase{"openshift-icsp.conf", "registry.access.redhat.com/ubi8/ubi-minimal:latest", {"registry.access.redhat.com/ubi8/ubi-minimal registry.access.redhat.com/ubi8/ubi-minimal:latest"}},
    SourcesCase{"openshift-icsp.conf", "registry.access.redhat.com/ubi8/ubi-minimal@D", {"example.com/example/ubi-minimal example.com/example/ubi-minimal@D mirror", "example.io/example/ubi-minimal example.io/example/ubi-minimal@D mirror", "registry.access.redhat.com/ubi8/ubi-minimal registry.access.redhat.com/ubi8/ubi-minimal@D"}},
    SourcesCase{"openshift-icsp.conf", "registry.access.redhat.com/ubi8/ubi-minimal", {"registry.access.redhat.com/ubi8/ubi-minimal registry.access.redhat.com/ubi8/ubi-minimal"}},
    SourcesCase{"openshift-icsp.conf", "registry.access.redhat.com/ubi8/ubi-minimal-extra:8.9", {"registry.access.redhat.com/ubi8/ubi-minimal-extra:8.9 registry.access.redhat.com/ubi8/ubi-minimal-extra:8.9"}},
    SourcesCase{"openshift-icsp.conf", "ocr.example.com/team/app:1.0", {"ocr.example.com ocr.example.com/team/app:1.0 insecure"}},
    SourcesCase{"openshift-icsp.conf", "untrusted.com/foo/bar:1", {"untrusted.com untrusted.com/foo/bar:1"}, true},
    // Longest prefix string, '/' ':' '@' boundaries.
    SourcesCase{"longest-prefix.conf", "example.com/img:1", {"m-root.example.net m-root.example.net/img:1 mirror", "example.com example.com/img:1"}},
    SourcesCase{"longest-prefix.conf", "example.com/foo/img:1", {"m-foo.example.net/f m-foo.example.net/f/img:1 mirror", "example.com/foo example.com/foo/img:1"}},
    SourcesCase{"longest-prefix.conf", "example.com/foo/bar/img:1", {"m-foobar.example.net/fb m-foobar.example.net/fb/img:1 mirror", "example.com/foo/bar example.com/foo/bar/img:1"}},
    SourcesCase{"longest-prefix.conf", "example.com/foo/barbaz:1", {"m-foo.example.net/f m-foo.example.net/f/barbaz:1 mirror", "example.com/foo example.com/foo/barbaz:1"}},
    SourcesCase{"longest-prefix.conf", "example.com/foobar/img:1", {"m-root.example.net m-root.example.net/foobar/img:1 mirror", "example.com example.com/foobar/img:1"}},
    SourcesCase{"longest-prefix.conf", "example.comm/img:1", {"example.comm/img:1 example.comm/img:1"}},
    SourcesCase{"prefix-location-rewrite.conf", "example.com/foo/a/b/img@D", {"internal.example.net/mirror/foo-copy internal.example.net/mirror/foo-copy/a/b/img@D"}},
    SourcesCase{"prefix-location-rewrite.conf", "example.com/foo", {"internal.example.net/mirror/foo-copy internal.example.net/mirror/foo-copy"}},
    SourcesCase{"prefix-location-rewrite.conf", "example.com/bar/img:1", {"example.com/bar/img:1 example.com/bar/img:1"}},
    SourcesCase{"prefix-location-rewrite.conf", "quay.io/podman/stable:v4", {"quay-cache.internal/quay quay-cache.internal/quay/podman/stable:v4 mirror", "quay-proxy.internal:8443/quay quay-proxy.internal:8443/quay/podman/stable:v4"}},
    // Wildcards.
    SourcesCase{"wildcard.conf", "foo.example.com/app:1", {" foo.example.com/app:1 insecure"}},
    SourcesCase{"wildcard.conf", "a.b.example.com:5000/ns/app@D", {" a.b.example.com:5000/ns/app@D insecure"}},
    SourcesCase{"wildcard.conf", "example.com/app:1", {"example.com/app:1 example.com/app:1"}},
    SourcesCase{"wildcard.conf", "x.example.company.example.com/app:1", {"x.example.company.example.com/app:1 x.example.company.example.com/app:1"}},
    SourcesCase{"wildcard.conf", "foo.example.community/app:1", {"foo.example.community/app:1 foo.example.community/app:1"}},
    SourcesCase{"wildcard-with-location.conf", "foo.example.com/app:1", {"cache.example.net/proxy cache.example.net/proxy/app:1 mirror", "central.example.net/proxy central.example.net/proxy/app:1"}},
    SourcesCase{"wildcard-with-location.conf", "a.b.example.com/ns/app@D", {"cache.example.net/proxy cache.example.net/proxy/ns/app@D mirror", "central.example.net/proxy central.example.net/proxy/ns/app@D"}},
    SourcesCase{"wildcard-with-location.conf", "foo.example.com:5000/app:1", {}, false, "rewriting reference: invalid reference format"},
    SourcesCase{"wildcard-ties.conf", "x.example.com/app:1", {"wildcard.example.net wildcard.example.net/app:1"}},
    SourcesCase{"wildcard-ties.conf", "y.example.com/app:1", {"wildcard.example.net wildcard.example.net/app:1"}},
    SourcesCase{"wildcard-ties.conf", "a.b.example.com/app:1", {"wildcard-b.example.net wildcard-b.example.net/app:1"}},
    // Mirror selection.
    SourcesCase{"mirror-by-digest-only.conf", "registry.example.com/app:1", {"registry.example.com registry.example.com/app:1"}},
    SourcesCase{"mirror-by-digest-only.conf", "registry.example.com/app", {"registry.example.com registry.example.com/app"}},
    SourcesCase{"mirror-by-digest-only.conf", "registry.example.com/app@D", {"mirror-1.example.net mirror-1.example.net/app@D mirror", "mirror-2.example.net/ns mirror-2.example.net/ns/app@D mirror insecure", "registry.example.com registry.example.com/app@D"}},
    SourcesCase{"mirror-by-digest-only.conf", "registry.example.com/app:1@D", {"mirror-1.example.net mirror-1.example.net/app:1@D mirror", "mirror-2.example.net/ns mirror-2.example.net/ns/app:1@D mirror insecure", "registry.example.com registry.example.com/app:1@D"}},
    SourcesCase{"pull-from-mirror.conf", "registry.example.com/app:1", {"m-default.example.net m-default.example.net/app:1 mirror", "m-tag.example.net m-tag.example.net/app:1 mirror", "m-all.example.net m-all.example.net/app:1 mirror", "registry.example.com registry.example.com/app:1"}},
    SourcesCase{"pull-from-mirror.conf", "registry.example.com/app", {"m-default.example.net m-default.example.net/app mirror", "m-tag.example.net m-tag.example.net/app mirror", "m-all.example.net m-all.example.net/app mirror", "registry.example.com registry.example.com/app"}},
    SourcesCase{"pull-from-mirror.conf", "registry.example.com/app@D", {"m-default.example.net m-default.example.net/app@D mirror", "m-digest.example.net m-digest.example.net/app@D mirror", "m-all.example.net m-all.example.net/app@D mirror", "registry.example.com registry.example.com/app@D"}},
    SourcesCase{"pull-from-mirror.conf", "registry.example.com/app:1@D", {"m-default.example.net m-default.example.net/app:1@D mirror", "m-digest.example.net m-digest.example.net/app:1@D mirror", "m-all.example.net m-all.example.net/app:1@D mirror", "registry.example.com registry.example.com/app:1@D"}},
    SourcesCase{"insecure-per-endpoint.conf", "secure-primary.example.com/app:1", {"insecure-mirror.example.net insecure-mirror.example.net/app:1 mirror insecure", "secure-mirror.example.net secure-mirror.example.net/app:1 mirror", "secure-primary.example.com secure-primary.example.com/app:1"}},
    SourcesCase{"insecure-per-endpoint.conf", "insecure-primary.example.com/app:1", {"mirror3.example.net mirror3.example.net/app:1 mirror", "insecure-primary.example.com insecure-primary.example.com/app:1 insecure"}},
    // Blocked: the library only reports the flag; see TransportTest for the refusals.
    SourcesCase{"blocked-with-mirrors.conf", "blocked.example.com/app:1", {"mirror.example.net/blocked-copy mirror.example.net/blocked-copy/app:1 mirror", "blocked.example.com blocked.example.com/app:1"}, true},
    SourcesCase{"blocked-with-mirrors.conf", "good.example.com/app:1", {"quarantine.example.net/copy quarantine.example.net/copy/app:1 mirror", "good.example.com good.example.com/app:1"}},
    // docker.io normalization before matching; prefix "index.docker.io" never matches.
    SourcesCase{"docker-hub.conf", "busybox", {"hub-official.example.net/library hub-official.example.net/library/busybox"}},
    SourcesCase{"docker-hub.conf", "library/busybox:1", {"hub-official.example.net/library hub-official.example.net/library/busybox:1"}},
    SourcesCase{"docker-hub.conf", "docker.io/busybox:1", {"hub-official.example.net/library hub-official.example.net/library/busybox:1"}},
    SourcesCase{"docker-hub.conf", "index.docker.io/library/busybox:1", {"hub-official.example.net/library hub-official.example.net/library/busybox:1"}},
    SourcesCase{"docker-hub.conf", "someuser/app:1", {"mirror.gcr.io mirror.gcr.io/someuser/app:1 mirror", "dockerhub-cache.example.net/hub dockerhub-cache.example.net/hub/someuser/app:1 mirror insecure", "docker.io docker.io/someuser/app:1"}},
    SourcesCase{"ports.conf", "localhost:5000/app:1", {"localhost:5000 localhost:5000/app:1 insecure"}},
    SourcesCase{"ports.conf", "localhost/app:1", {"localhost:5001 localhost:5001/app:1"}},
    SourcesCase{"ports.conf", "localhost:5002/app:1", {}, false, "rewriting reference: invalid reference format"},
    SourcesCase{"ports.conf", "10.0.0.1:5000/ns/app:1", {"127.0.0.1:5000/cache 127.0.0.1:5000/cache/app:1 mirror insecure", "10.0.0.1:5000/ns 10.0.0.1:5000/ns/app:1"}},
    SourcesCase{"ports.conf", "10.0.0.1:5000/other/app:1", {"10.0.0.1:5000/other/app:1 10.0.0.1:5000/other/app:1"}},
    SourcesCase{"duplicate-prefix.conf", "example.com/app:1", {"m-first.example.net m-first.example.net/app:1 mirror", "first.example.net first.example.net/app:1"}},
    SourcesCase{"unknown-keys.conf", "example.com/app:1", {"mirror.example.net mirror.example.net/app:1 mirror", "example.com example.com/app:1"}},
    SourcesCase{"case-insensitive-keys.conf", "example.com/app:1", {"mirror.example.net mirror.example.net/app:1 mirror", "example.com example.com/app:1 insecure"}},
    SourcesCase{"case-insensitive-keys.conf", "blocked.example.com/app:1", {"blocked.example.com blocked.example.com/app:1"}, true},
    SourcesCase{"v1.conf", "insecure.example.com:5000/app:1", {"insecure.example.com:5000 insecure.example.com:5000/app:1 insecure"}, true},
    SourcesCase{"v1.conf", "blocked.example.com/app:1", {"blocked.example.com blocked.example.com/app:1"}, true},
    SourcesCase{"v1.conf", "quay.io/a/b:1", {"quay.io/a/b:1 quay.io/a/b:1"}},
    // Drop-ins replace whole entries by prefix; *.txt files and subdirectories are not read.
    SourcesCase{"dropins.conf", "example.com/app:1", {"m-20.example.net m-20.example.net/app:1 mirror", "example.com example.com/app:1 insecure"}},
    SourcesCase{"dropins.conf", "untouched.example.com/app:1", {"untouched.example.com untouched.example.com/app:1"}},
    SourcesCase{"dropins.conf", "added.example.com/app:1", {"added.example.com added.example.com/app:1"}, true},
    SourcesCase{"dropins.conf", "ignored.example.com/app:1", {"ignored.example.com/app:1 ignored.example.com/app:1"}},
    SourcesCase{"dropins.conf", "nested.example.com/app:1", {"nested.example.com/app:1 nested.example.com/app:1"}},
    // Current upstream trims the mirror's trailing '/'; 5.23.1 failed with "rewriting reference".
    SourcesCase{"mirror-trailing-slash.conf", "example.com/ns/app:1", {"mirror.example.net/ns mirror.example.net/ns/app:1 mirror", "example.com/ns example.com/ns/app:1"}}));
// clang-format on

struct AttemptsCase {
  std::string conf;
  std::string ref;
  std::vector<std::string> attempts;  // "REFERENCE" or "REFERENCE refused: ERROR"
  std::string error = {};
};

class TransportTest : public testing::TestWithParam<AttemptsCase> {};

TEST_P(TransportTest, RefusesAttemptsOneByOne) {
  const AttemptsCase& c = GetParam();
  const auto conf = load_fixture(c.conf);
  ASSERT_TRUE(conf) << conf.error().message;
  const TransportView view = transport_view(conf, expand(c.ref));
  EXPECT_EQ(view.error.value_or(""), c.error);
  std::vector<std::string> attempts;
  for (const TransportAttempt& attempt : view.attempts) {
    attempts.push_back(attempt.source.reference.str() +
                       (attempt.error ? " refused: " + *attempt.error : ""));
  }
  std::vector<std::string> expected;
  for (const std::string& attempt : c.attempts) expected.push_back(expand(attempt));
  EXPECT_EQ(attempts, expected);
}

const std::string kBlockedIn = " is blocked in " + testing_fixtures::fixture_dir().string() +
                               "/blocked-with-mirrors.conf or " +
                               testing_fixtures::fixture_dir().string() +
                               "/blocked-with-mirrors.conf.d";

// clang-format off
INSTANTIATE_TEST_SUITE_P(Fixtures, TransportTest, testing::Values(
    AttemptsCase{"blocked-with-mirrors.conf", "blocked.example.com/app:1", {"mirror.example.net/blocked-copy/app:1", "blocked.example.com/app:1 refused: registry blocked.example.com" + kBlockedIn}},
    AttemptsCase{"blocked-with-mirrors.conf", "good.example.com/app:1", {"quarantine.example.net/copy/app:1 refused: registry quarantine.example.net" + kBlockedIn, "good.example.com/app:1"}},
    AttemptsCase{"openshift-icsp.conf", "registry.access.redhat.com/ubi8/ubi-minimal", {"registry.access.redhat.com/ubi8/ubi-minimal:latest"}},
    AttemptsCase{"mirror-by-digest-only.conf", "registry.example.com/app:1@D", {}, "Docker references with both a tag and digest are currently not supported"},
    AttemptsCase{"empty.conf", "busybox", {"docker.io/library/busybox:latest"}},
    AttemptsCase{"empty.conf", "Busybox", {}, "invalid reference format: repository name must be lowercase"}));
// clang-format on

TEST(ResolutionTest, ConfigurationErrorsReachEveryView) {
  const auto conf = load_fixture("invalid-short-name-mode.conf");
  ASSERT_FALSE(conf);
  const Resolution resolution = resolve(conf, nullptr, "quay.io/a/b:1");
  const std::string error =
      "loading registries configuration \"" +
      (testing_fixtures::fixture_dir() / "invalid-short-name-mode.conf").string() +
      "\": invalid short-name mode: \"strict\"";
  EXPECT_EQ(resolution.library.error, error);
  EXPECT_EQ(resolution.transport.error, "loading registries configuration: " + error);
  EXPECT_EQ(resolution.short_name.error, error);
  EXPECT_FALSE(resolution.pullable());
}

TEST(ResolutionTest, MirrorDecisionsExplainEachMirror) {
  const auto conf = load_fixture("pull-from-mirror.conf");
  ASSERT_TRUE(conf);
  const LibraryView view = library_view(conf, "registry.example.com/app:1");
  ASSERT_EQ(view.mirrors.size(), 4u);
  EXPECT_TRUE(view.mirrors[0].used);
  EXPECT_EQ(view.mirrors[0].reason, "no restriction");
  EXPECT_FALSE(view.mirrors[1].used);
  EXPECT_EQ(view.mirrors[1].reason,
            "pull-from-mirror = \"digest-only\" and the reference has no digest");
  EXPECT_TRUE(view.mirrors[2].used);
  EXPECT_EQ(view.mirrors[2].reason,
            "pull-from-mirror = \"tag-only\" and the reference has no digest");
  EXPECT_TRUE(view.mirrors[3].used);

  const auto digest_only = load_fixture("mirror-by-digest-only.conf");
  ASSERT_TRUE(digest_only);
  const LibraryView tagged = library_view(digest_only, "registry.example.com/app:1");
  ASSERT_EQ(tagged.mirrors.size(), 2u);
  EXPECT_FALSE(tagged.mirrors[0].used);
  EXPECT_EQ(tagged.mirrors[0].reason, "mirror-by-digest-only and the reference has no digest");
}

TEST(ResolutionTest, BlockedPrimaryWithMirrorsIsStillPullable) {
  const auto conf = load_fixture("blocked-with-mirrors.conf");
  ASSERT_TRUE(conf);
  EXPECT_TRUE(resolve(conf, nullptr, "blocked.example.com/app:1").pullable());
  const auto icsp = load_fixture("openshift-icsp.conf");
  ASSERT_TRUE(icsp);
  EXPECT_FALSE(resolve(icsp, nullptr, "untrusted.com/foo/bar:1").pullable());
}

TEST(ResolutionTest, PolicyRejectionMakesAReferenceUnpullable) {
  const auto conf = load_fixture("empty.conf");
  ASSERT_TRUE(conf);
  const auto policy = Policy::parse(
      R"({"default": [{"type": "insecureAcceptAnything"}],
          "transports": {"docker": {"quay.io": [{"type": "reject"}]}}})",
      "policy.json");
  ASSERT_TRUE(policy) << policy.error().message;
  const Resolution rejected = resolve(conf, &*policy, "quay.io/a/b:1");
  ASSERT_TRUE(rejected.policy);
  EXPECT_EQ(rejected.policy->verdict, PolicyVerdict::kReject);
  EXPECT_FALSE(rejected.pullable());
  const Resolution accepted = resolve(conf, &*policy, "busybox");
  ASSERT_TRUE(accepted.policy);
  EXPECT_EQ(accepted.policy->verdict, PolicyVerdict::kAccept);
  EXPECT_TRUE(accepted.pullable());
}

}  // namespace
}  // namespace nodeconf
