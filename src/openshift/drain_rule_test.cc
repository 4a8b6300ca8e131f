// The cases of the MCO's own TestIsDrainRequired (pkg/daemon/drain_test.go, master 7ff337a4),
// on registries.conf texts of the same shape, plus the file kinds its default node
// disruption policies name.
#include "openshift/drain_rule.h"

#include <gtest/gtest.h>

namespace openshift {
namespace {

constexpr const char* kConf = "etc/containers/registries.conf";

// One entry, "example.com/repo/test-img", with a mirror of the given pull-from-mirror.
std::string one_entry(const std::string& search, const std::string& pull_from_mirror) {
  std::string text = "unqualified-search-registries = [" + search + "]\n\n[[registry]]\n" +
                     "location = \"example.com/repo/test-img\"\n\n[[registry.mirror]]\n" +
                     "location = \"mirror.com/repo/test-img\"\n";
  if (!pull_from_mirror.empty()) text += "pull-from-mirror = \"" + pull_from_mirror + "\"\n";
  return text;
}

const std::string kTwoSearch = R"("example.com", "foo.com")";
const std::string kMc1 = one_entry(kTwoSearch, "") + R"(
[[registry]]
location = "example.com/repo1/test-img1"
[[registry.mirror]]
location = "mirror.com/repo1/test-img1"
pull-from-mirror = "digest-only"
)";
const std::string kMc2 = kMc1 + R"([[registry.mirror]]
location = "mirror1.com/repo1/test-img1"
pull-from-mirror = "digest-only"
)";
const std::string kMc3 = one_entry(kTwoSearch, "");
const std::string kMc4 = one_entry(R"("example.com", "foo.com", "bar.com")", "digest-only");
const std::string kMc5 = one_entry(kTwoSearch, "digest-only");
const std::string kMc6 = kMc5 + R"(
[[registry]]
location = "example.com/repo1/test-img1"
)";
const std::string kMc7 = kMc6 + R"([[registry.mirror]]
location = "mirror.com/repo1/test-img1"
)";
const std::string kMc8 = R"(unqualified-search-registries = ["example.com", "foo.com"]
[[registry]]
prefix = "bar.com"
location = "example.com/repo/test-img"
)";
const std::string kMc9 = kMc8 + "blocked = true\n";
const std::string kMc10 = R"(unqualified-search-registries = ["example.com", "foo.com"]
[[registry]]
location = "example.com/repo/test-img"
)";
const std::string kMc11 = R"(unqualified-search-registries = ["example.com", "foo.com"]
[[registry]]
location = "example.com/repo1/test-img"
[[registry.mirror]]
location = "mirror.com/repo1/test-img"
pull-from-mirror = "digest-only"
[[registry]]
prefix = "bar.com"
location = "example.com/repo/test-img"
blocked = true
)";
const std::string kMc12 = kMc10 + R"(mirror-by-digest-only = true
[[registry.mirror]]
location = "mirror.com/repo/test-img"
)";
const std::string kMc13 = kMc12 + R"([[registry.mirror]]
location = "mirror.com/repo/test-img-13"
)";

DrainDecision registries_conf_change(const std::string& before, const std::string& after) {
  if (before == after) return drain_decision({});
  return drain_decision({{kConf, before, after}});
}

TEST(DrainRule, TheMcosOwnCases) {
  struct Case {
    const char* what;
    const std::string* before;
    const std::string* after;
    bool drain;
  };
  const Case cases[] = {
      {"no change", &kMc1, &kMc1, false},
      {"registry added with digest-only mirrors", &kMc3, &kMc1, false},
      {"registry added without mirrors, not mirror-by-digest-only", &kMc5, &kMc6, true},
      {"registry removed", &kMc1, &kMc3, true},
      {"digest-only mirror added", &kMc1, &kMc2, false},
      {"digest-only registry added beside an unchanged blocked one", &kMc9, &kMc11, false},
      {"mirror added that is not digest-only", &kMc6, &kMc7, true},
      {"mirror removed", &kMc2, &kMc1, true},
      {"unqualified-search registry removed", &kMc4, &kMc3, true},
      {"unqualified-search registry appended", &kMc3, &kMc4, false},
      {"prefix changed (the scope with it)", &kMc8, &kMc10, true},
      {"blocked changed", &kMc8, &kMc9, true},
      {"entry added without mirrors", &kMc1, &kMc6, true},
      {"mirror added to a mirror-by-digest-only entry", &kMc12, &kMc13, false},
  };
  for (const Case& c : cases) {
    DrainDecision decision = registries_conf_change(*c.before, *c.after);
    EXPECT_EQ(decision.required, c.drain) << c.what << ": " << decision.reason;
  }
}

TEST(DrainRule, ReasonsNameTheChange) {
  EXPECT_EQ(registries_conf_change(kMc2, kMc1).reason,
            "registries.conf: mirror mirror1.com/repo1/test-img1 removed from "
            "example.com/repo1/test-img1");
  EXPECT_EQ(registries_conf_change(kMc8, kMc9).reason,
            "registries.conf: blocked of bar.com changed from false to true");
  EXPECT_EQ(registries_conf_change(kMc1, kMc2).reason,
            "registries.conf: only digest-only mirrors added");
  EXPECT_EQ(registries_conf_change(kMc4, kMc3).reason,
            "registries.conf: an unqualified-search-registries entry removed or reordered");
}

TEST(DrainRule, PrefixWrittenOutIsAChange) {
  // The daemon compares prefixes as written: "" and the location are not the same.
  const std::string written = R"([[registry]]
prefix = "example.com/repo/test-img"
location = "example.com/repo/test-img"
)";
  DrainDecision decision = registries_conf_change(kMc10, written);
  EXPECT_TRUE(decision.required);
  EXPECT_EQ(decision.reason,
            "registries.conf: an unqualified-search-registries entry removed or reordered");
  decision = registries_conf_change(
      kMc10, "unqualified-search-registries = [\"example.com\", \"foo.com\"]\n" + written);
  EXPECT_EQ(decision.reason,
            "registries.conf: prefix of example.com/repo/test-img changed from \"\" to "
            "\"example.com/repo/test-img\"");
}

TEST(DrainRule, PullFromMirrorMayOnlyBecomeDigestOnly) {
  EXPECT_FALSE(registries_conf_change(kMc3, kMc5).required);
  DrainDecision decision = registries_conf_change(kMc5, one_entry(kTwoSearch, "all"));
  EXPECT_TRUE(decision.required);
  EXPECT_NE(decision.reason.find("pull-from-mirror of mirror mirror.com/repo/test-img"),
            std::string::npos);
}

TEST(DrainRule, AMissingFileOnTheNodeIsEmpty) {
  EXPECT_FALSE(drain_decision({{kConf, std::nullopt, kMc5}}).required);
  EXPECT_TRUE(drain_decision({{kConf, std::nullopt, kMc1}}).required);  // a mirror for all pulls
  EXPECT_TRUE(drain_decision({{kConf, kMc5, std::nullopt}}).required);
}

// isSafeContainerRegistryConfChanges returns the decode error: the update fails, no drain.
TEST(DrainRule, UndecodableRegistriesConfFailsTheUpdate) {
  DrainDecision decision = drain_decision({{kConf, "[[registry]\n", kMc1}});
  EXPECT_TRUE(decision.fails);
  EXPECT_FALSE(decision.required);
  EXPECT_NE(decision.reason.find("does not decode"), std::string::npos);
  // With a file that reboots the node, the daemon drains without looking at registries.conf.
  decision = drain_decision(
      {{kConf, "[[registry]\n", kMc1},
       {"etc/containers/registries.conf.d/01-image-searchRegistries.conf", std::nullopt, "x"}});
  EXPECT_FALSE(decision.fails);
  EXPECT_TRUE(decision.required);
}

TEST(DrainRule, NewEntriesSayWhyTheyAreNotDigestOnly) {
  EXPECT_EQ(registries_conf_change(kMc5, kMc6).reason,
            "registries.conf: registry example.com/repo1/test-img1 added without mirrors and "
            "without "
            "mirror-by-digest-only");
  EXPECT_EQ(registries_conf_change("", one_entry("", "")).reason,
            "registries.conf: registry example.com/repo/test-img added with mirror "
            "mirror.com/repo/test-img whose pull-from-mirror is \"\", not \"digest-only\"");
}

TEST(DrainRule, TruncatedHostileAndWrongTypedNodeFilesFailWithAReason) {
  const std::string nested = "a = " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  for (const std::string& bad :
       {kMc2.substr(0, kMc2.size() / 2), std::string("\0\xff\xfe[[", 5), nested,
        std::string("[[registry]]\nlocation = 5\n"), std::string("registry = \"x\"\n")}) {
    DrainDecision decision = drain_decision({{kConf, bad, kMc1}});
    EXPECT_TRUE(decision.fails);
    EXPECT_NE(decision.reason.find("registries.conf on the node does not decode"),
              std::string::npos)
        << decision.reason;
  }
  // A large but valid file is compared, not refused.
  std::string many = "unqualified-search-registries = []\n";
  for (int i = 0; i < 2000; ++i) {
    many.append("[[registry]]\nlocation = \"r")
        .append(std::to_string(i))
        .append(".example.com\"\n");
  }
  EXPECT_FALSE(drain_decision({{kConf, many,
                                many + "[[registry]]\nmirror-by-digest-only = true\n"
                                       "location = \"new.example.com\"\n"}})
                   .required);
}

TEST(DrainRule, OtherFilesFollowTheDefaultNodeDisruptionPolicies) {
  DrainDecision policy = drain_decision({{"etc/containers/policy.json", "{}", "{ }"}});
  EXPECT_FALSE(policy.required);
  EXPECT_EQ(policy.reason, "policy.json: CRI-O reload");
  DrainDecision certs =
      drain_decision({{"etc/docker/certs.d/r.example.com:5000/ca.crt", std::nullopt, "pem"},
                      {"etc/containers/certs.d/r.example.com:5000/ca.crt", std::nullopt, "pem"}});
  EXPECT_FALSE(certs.required);
  EXPECT_EQ(certs.reason, "certs.d: written by the daemon, no drain");
  DrainDecision search = drain_decision(
      {{"etc/containers/registries.conf.d/01-image-searchRegistries.conf", std::nullopt, "x"},
       {"etc/containers/policy.json", "{}", "{ }"}});
  EXPECT_TRUE(search.required);
  EXPECT_EQ(search.reason,
            "01-image-searchRegistries.conf: no node disruption policy, the node reboots");
  DrainDecision both =
      drain_decision({{kConf, kMc1, kMc2}, {"etc/containers/policy.json", "{}", "{ }"}});
  EXPECT_FALSE(both.required);
  EXPECT_EQ(both.reason,
            "registries.conf: only digest-only mirrors added; policy.json: CRI-O reload");
}

}  // namespace
}  // namespace openshift
