#include "auth/access_rules.h"

#include <gtest/gtest.h>

namespace auth {
namespace {

AccessRules company_rules() {
  const oci::Result<AccessRules> rules = AccessRules::make(
      {
          {"team-a/**", {"pull", "push"}, {"group:team-a"}},
          {"team-a/**", {"delete"}, {"alice"}},
          {"mirror/*", {"pull"}, {"authenticated"}},
          {"mirror/*", {"push", "delete"}, {"robot"}},
          {"public/**", {"pull"}, {"anonymous", "authenticated"}},
          {"**", {"pull", "push", "delete"}, {"admin"}},
      },
      {{"team-a", {"alice", "bob"}}});
  EXPECT_TRUE(rules) << rules.error().message;
  return *rules;
}

const Identity kAlice{"alice"};
const Identity kBob{"bob"};
const Identity kCarol{"carol"};
const Identity kRobot{"robot"};
const Identity kAdmin{"admin"};
const Identity kAnonymous{};

TEST(AccessRules, UnionOfMatchingRules) {
  const AccessRules rules = company_rules();
  EXPECT_EQ(rules.allowed_actions(kAlice, "team-a/app"), ActionSet::all());
  EXPECT_EQ(rules.allowed_actions(kBob, "team-a/app/web"),
            (ActionSet{Action::kPull, Action::kPush}));
  EXPECT_TRUE(rules.allowed_actions(kCarol, "team-a/app").empty());
  EXPECT_EQ(rules.allowed_actions(kRobot, "mirror/alpine"), ActionSet::all());
  EXPECT_EQ(rules.allowed_actions(kCarol, "mirror/alpine"), ActionSet{Action::kPull});
  EXPECT_TRUE(rules.allowed_actions(kCarol, "mirror/library/alpine").empty());
  EXPECT_EQ(rules.allowed_actions(kAdmin, "anything/at/all"), ActionSet::all());
}

TEST(AccessRules, AnonymousIsOnlyTheUnsignedRequest) {
  const AccessRules rules = company_rules();
  EXPECT_TRUE(rules.may(kAnonymous, Action::kPull, "public/tools"));
  EXPECT_FALSE(rules.may(kAnonymous, Action::kPull, "mirror/alpine"));
  EXPECT_FALSE(rules.may(kAnonymous, Action::kPush, "public/tools"));
  EXPECT_TRUE(rules.may(kCarol, Action::kPull, "public/tools"));
  const oci::Result<AccessRules> only_anonymous =
      AccessRules::make({{"**", {"pull"}, {"anonymous"}}}, {});
  ASSERT_TRUE(only_anonymous);
  EXPECT_TRUE(only_anonymous->may(kAnonymous, Action::kPull, "x"));
  EXPECT_FALSE(only_anonymous->may(kCarol, Action::kPull, "x"));
}

TEST(AccessRules, NoRulesRefuseEverything) {
  const oci::Result<AccessRules> rules = AccessRules::make({}, {});
  ASSERT_TRUE(rules);
  EXPECT_TRUE(rules->allowed_actions(kAdmin, "a").empty());
}

TEST(AccessRules, MountNeedsPullOnSourceAndPushOnTarget) {
  const AccessRules rules = company_rules();
  EXPECT_TRUE(rules.may_mount(kBob, "mirror/alpine", "team-a/app"));
  EXPECT_FALSE(rules.may_mount(kBob, "team-a/app", "mirror/alpine"));
  EXPECT_FALSE(rules.may_mount(kCarol, "mirror/alpine", "team-a/app"));
  EXPECT_FALSE(rules.may_mount(kRobot, "team-a/app", "mirror/alpine"));
}

TEST(AccessRules, FilterCatalogKeepsPullableInOrder) {
  const AccessRules rules = company_rules();
  const std::vector<std::string> all = {"mirror/alpine", "public/x", "team-a/app", "z/other"};
  EXPECT_EQ(rules.filter_catalog(kBob, all),
            (std::vector<std::string>{"mirror/alpine", "public/x", "team-a/app"}));
  EXPECT_EQ(rules.filter_catalog(kAnonymous, all), (std::vector<std::string>{"public/x"}));
  EXPECT_EQ(rules.filter_catalog(kAdmin, all), all);
}

TEST(AccessRules, GrantIsTheIntersectionOfAskedAndAllowed) {
  const AccessRules rules = company_rules();
  const std::vector<Scope> asked = {
      {"repository", "mirror/alpine", {"push", "pull"}},
      {"repository", "team-a/app", {"pull", "frobnicate", "delete"}},
      {"registry", "catalog", {"*"}},
      {"plugin", "x", {"pull"}},
  };
  EXPECT_EQ(rules.grant(kCarol, asked),
            (std::vector<Scope>{{"repository", "mirror/alpine", {"pull"}},
                                {"registry", "catalog", {"*"}}}));
  EXPECT_EQ(rules.grant(kAlice, asked),
            (std::vector<Scope>{{"repository", "mirror/alpine", {"pull"}},
                                {"repository", "team-a/app", {"pull", "delete"}},
                                {"registry", "catalog", {"*"}}}));
  EXPECT_EQ(rules.grant(kAnonymous, {{"repository", "mirror/alpine", {"pull"}}}),
            std::vector<Scope>{});
}

TEST(AccessRules, RefusesBadRulesNamingThem) {
  const auto refused = [](const std::vector<RuleSpec>& specs, std::string_view part) {
    const oci::Result<AccessRules> rules = AccessRules::make(specs, {{"ops", {"x"}}});
    ASSERT_FALSE(rules);
    EXPECT_EQ(rules.error().code, oci::ErrorCode::kUnsupported);
    EXPECT_NE(rules.error().message.find(part), std::string::npos) << rules.error().message;
  };
  refused({{"**", {"pull"}, {"x"}}, {"a//b", {"pull"}, {"x"}}}, "access rule 2: ");
  refused({{"**", {"pull", "write"}, {"x"}}}, "unknown action \"write\"");
  refused({{"**", {"pull"}, {}}}, "no subjects");
  refused({{"**", {"pull"}, {""}}}, "an empty subject");
  refused({{"**", {"pull"}, {"group:dev"}}}, "unknown group in \"group:dev\"");
  EXPECT_TRUE(AccessRules::make({{"**", {"pull"}, {"group:ops"}}}, {{"ops", {"x"}}}));
}

}  // namespace
}  // namespace auth
