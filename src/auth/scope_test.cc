#include "auth/scope.h"

#include <gtest/gtest.h>

#include "auth/actions.h"

namespace auth {
namespace {

TEST(Scope, ParsesRepositoryScopes) {
  EXPECT_EQ(parse_scope("repository:team-a/app:pull,push"),
            (Scope{"repository", "team-a/app", {"pull", "push"}}));
  EXPECT_EQ(parse_scope("repository:library/alpine:pull"),
            (Scope{"repository", "library/alpine", {"pull"}}));
  EXPECT_EQ(parse_scope("registry:catalog:*"), (Scope{"registry", "catalog", {"*"}}));
}

TEST(Scope, TheLastColonStartsTheActions) {
  EXPECT_EQ(parse_scope("repository:localhost:5000/app:pull"),
            (Scope{"repository", "localhost:5000/app", {"pull"}}));
}

TEST(Scope, KeepsUnknownActionsAndDropsDuplicates) {
  EXPECT_EQ(parse_scope("repository:a:pull,frobnicate,pull"),
            (Scope{"repository", "a", {"pull", "frobnicate"}}));
}

TEST(Scope, RefusesMalformedScopes) {
  for (std::string_view text : {"", "repository", "repository:app", ":app:pull", "repository::pull",
                                "repository:app:", "repository:app:pull,", "repository:app:,pull",
                                "repository:app:pull,,push", "repository:a b:pull",
                                "repository:a\tb:pull", "repository:a\x7f:pull"}) {
    EXPECT_EQ(parse_scope(text), std::nullopt) << text;
  }
  const std::string long_name(kMaxScopeLength, 'a');
  EXPECT_EQ(parse_scope("repository:" + long_name + ":pull"), std::nullopt);
}

TEST(Scope, ParsesSeveralScopes) {
  const auto scopes = parse_scopes("  repository:a:pull   repository:b:push,pull ");
  ASSERT_TRUE(scopes);
  ASSERT_EQ(scopes->size(), 2U);
  EXPECT_EQ((*scopes)[1], (Scope{"repository", "b", {"push", "pull"}}));
  EXPECT_EQ(parse_scopes(""), std::vector<Scope>{});
  EXPECT_EQ(parse_scopes("repository:a:pull bad"), std::nullopt);
  std::string many;
  for (std::size_t i = 0; i <= kMaxScopesPerRequest; ++i) many += "repository:a:pull ";
  EXPECT_EQ(parse_scopes(many), std::nullopt);
}

TEST(Scope, FormatsAndParsesBack) {
  const Scope scope{"repository", "localhost:5000/a", {"pull", "push"}};
  EXPECT_EQ(format_scope(scope), "repository:localhost:5000/a:pull,push");
  EXPECT_EQ(parse_scope(format_scope(scope)), scope);
}

TEST(Actions, ParseNameAndFormat) {
  EXPECT_EQ(parse_action("pull"), Action::kPull);
  EXPECT_EQ(parse_action("delete"), Action::kDelete);
  EXPECT_EQ(parse_action("Pull"), std::nullopt);
  EXPECT_EQ(parse_action("*"), std::nullopt);
  EXPECT_EQ(action_name(Action::kPush), "push");
  EXPECT_EQ(format_actions(ActionSet{Action::kDelete, Action::kPull}), "pull,delete");
  EXPECT_EQ(format_actions(ActionSet::all()), "pull,push,delete");
  EXPECT_EQ(format_actions({}), "");
  EXPECT_EQ((ActionSet{Action::kPull, Action::kPush} & ActionSet{Action::kPush}),
            ActionSet{Action::kPush});
  EXPECT_TRUE((ActionSet{Action::kPull} & ActionSet{Action::kPush}).empty());
}

}  // namespace
}  // namespace auth
