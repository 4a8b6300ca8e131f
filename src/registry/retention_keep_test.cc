#include "registry/retention_keep.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>

namespace registry {
namespace {

using namespace std::chrono_literals;
using Names = std::vector<std::string>;

constexpr std::int64_t kNow = 100 * 86400;
constexpr std::int64_t kDay = 86400;

std::string digest(char c) { return "sha256:" + std::string(64, c); }
std::string attached(char c, std::string_view suffix) {
  return "sha256-" + std::string(64, c) + std::string(suffix);
}

// Tags given as name -> (digest, age in days); manifests as digest -> (pulled days ago, or -1
// for never; children).
struct Repository {
  metadata::RetentionView view;

  Repository& tag(std::string name, std::string target, std::int64_t days_old) {
    view.tags.push_back({.name = std::move(name),
                         .digest = std::move(target),
                         .updated_at = kNow - days_old * kDay});
    return *this;
  }
  Repository& manifest(std::string digest, std::int64_t pulled_days_ago = -1, Names children = {}) {
    view.manifests.push_back(
        {.digest = std::move(digest),
         .last_pulled_at = pulled_days_ago < 0 ? 0 : kNow - pulled_days_ago * kDay,
         .children = std::move(children)});
    return *this;
  }
};

std::map<std::string, TagVerdict> verdicts_of(const Repository& repository,
                                              const RetentionCriteria& criteria) {
  std::map<std::string, TagVerdict> by_tag;
  for (auto& verdict : retention_verdicts(repository.view, criteria, kNow)) {
    by_tag[verdict.tag] = verdict;
  }
  return by_tag;
}

Names removed(const Repository& repository, const RetentionCriteria& criteria) {
  Names names;
  for (const auto& verdict : retention_verdicts(repository.view, criteria, kNow)) {
    if (!verdict.kept) names.push_back(verdict.tag);
  }
  return names;
}

std::function<bool(std::string_view)> regex(const std::string& pattern) {
  return [re = std::regex(pattern)](std::string_view tag) {
    return std::regex_match(tag.begin(), tag.end(), re);
  };
}

TEST(RetentionKeep, KeepTagsKeepsWhatMatchesAndNothingElse) {
  Repository repo;
  repo.tag("latest", digest('a'), 90).tag("main-1", digest('b'), 1).tag("pr-7", digest('c'), 0);
  EXPECT_EQ(removed(repo, {.keep_tags = regex("latest|main-.*")}), Names{"pr-7"});
}

TEST(RetentionKeep, KeepNewestRanksByUpdateTimeThenName) {
  Repository repo;
  repo.tag("a", digest('a'), 3)
      .tag("b", digest('b'), 1)
      .tag("c", digest('c'), 1)
      .tag("d", digest('d'), 2);
  EXPECT_EQ(removed(repo, {.keep_newest = 2}), (Names{"a", "d"}));
  EXPECT_EQ(removed(repo, {.keep_newest = 0}), (Names{"a", "b", "c", "d"}));
  EXPECT_EQ(removed(repo, {.keep_newest = 9}), Names{});
  EXPECT_EQ(verdicts_of(repo, {.keep_newest = 2})["b"].reason, "among the 2 newest");
}

TEST(RetentionKeep, KeepPulledWithinLooksAtTheManifestsLastPull) {
  Repository repo;
  repo.tag("recent", digest('a'), 50)
      .tag("stale", digest('b'), 50)
      .tag("never", digest('c'), 50)
      .manifest(digest('a'), 2)
      .manifest(digest('b'), 8)
      .manifest(digest('c'));
  const RetentionCriteria criteria{.keep_pulled_within = std::chrono::days(7)};
  EXPECT_EQ(removed(repo, criteria), (Names{"stale", "never"}));
  auto verdicts = verdicts_of(repo, criteria);
  EXPECT_EQ(verdicts["recent"].reason, "pulled 2d ago");
  EXPECT_EQ(verdicts["stale"].reason, "kept by no criterion: updated 50d ago, last pulled 8d ago");
  EXPECT_EQ(verdicts["never"].reason, "kept by no criterion: updated 50d ago, never pulled");
}

TEST(RetentionKeep, DropOlderThanRemovesOnlyOlderTags) {
  Repository repo;
  repo.tag("old", digest('a'), 31).tag("young", digest('b'), 29);
  EXPECT_EQ(removed(repo, {.drop_older_than = std::chrono::days(30)}), Names{"old"});
}

TEST(RetentionKeep, AnyCriterionKeepsATag) {
  Repository repo;
  repo.tag("v1.0.0", digest('a'), 400)
      .tag("v2.0.0", digest('b'), 300)
      .tag("stable", digest('c'), 200)
      .tag("pulled", digest('d'), 100)
      .tag("newest", digest('e'), 40)
      .tag("young", digest('f'), 1)
      .tag("gone", digest('g'), 60)
      .manifest(digest('d'), 1);
  const RetentionCriteria criteria{
      .keep_tags = regex("stable"),
      .keep_semver = [](std::string_view tag) { return tag.starts_with("v2."); },
      .keep_newest = 2,
      .keep_pulled_within = std::chrono::days(7),
      .drop_older_than = std::chrono::days(30),
  };
  EXPECT_EQ(removed(repo, criteria), (Names{"v1.0.0", "gone"}));
  auto verdicts = verdicts_of(repo, criteria);
  EXPECT_EQ(verdicts["v2.0.0"].reason, "a version in keep_semver");
  EXPECT_EQ(verdicts["stable"].reason, "matches keep_tags");
  EXPECT_EQ(verdicts["young"].reason, "among the 2 newest");
  EXPECT_EQ(verdicts["gone"].reason,
            "kept by no criterion: updated 60d ago, never pulled, not among the 2 newest");
}

TEST(RetentionKeep, AttachedTagsFollowTheirManifest) {
  Repository repo;
  repo.tag("kept", digest('a'), 1)
      .tag("dropped", digest('b'), 90)
      .tag("multi", digest('c'), 1)
      .tag(attached('a', ".sig"), digest('1'), 90)
      .tag(attached('a', ".att"), digest('2'), 90)
      .tag(attached('b', ".sig"), digest('3'), 90)
      .tag(attached('d', ".sbom"), digest('4'), 90)  // a child of the kept index
      .tag(attached('1', ".sig"), digest('5'), 90)   // the signature's signature
      .tag(attached('9', ""), digest('6'), 90)       // of nothing in the repository
      .manifest(digest('c'), -1, {digest('d')});
  const RetentionCriteria criteria{.drop_older_than = std::chrono::days(30)};
  EXPECT_EQ(removed(repo, criteria), (Names{"dropped", attached('b', ".sig"), attached('9', "")}));
  auto verdicts = verdicts_of(repo, criteria);
  EXPECT_EQ(verdicts[attached('a', ".sig")].reason,
            "belongs to " + digest('a') + ", which is kept");
  EXPECT_EQ(verdicts[attached('b', ".sig")].reason,
            "belongs to " + digest('b') + ", which is not kept");
}

TEST(RetentionKeep, AttachedTagsAreNotCountedAmongTheNewest) {
  Repository repo;
  repo.tag("old", digest('a'), 9)
      .tag("new", digest('b'), 5)
      .tag(attached('a', ".sig"), digest('1'), 0);
  EXPECT_EQ(removed(repo, {.keep_newest = 1}), (Names{"old", attached('a', ".sig")}));
}

TEST(RetentionKeep, AManifestStaysTaggedWhileOneOfItsTagsIsKept) {
  Repository repo;
  repo.tag("a", digest('a'), 90).tag("b", digest('a'), 1).tag("c", digest('c'), 90);
  const auto verdicts =
      retention_verdicts(repo.view, {.drop_older_than = std::chrono::days(30)}, kNow);
  EXPECT_EQ(left_untagged(verdicts), Names{digest('c')});
}

TEST(RetentionKeep, AttachedToNamesTheManifest) {
  EXPECT_EQ(attached_to(attached('a', ".sig")), digest('a'));
  EXPECT_EQ(attached_to(attached('f', "")), digest('f'));
  EXPECT_EQ(attached_to("sha256-" + std::string(63, 'a')), std::nullopt);
  EXPECT_EQ(attached_to("sha256-" + std::string(64, 'A') + ".sig"), std::nullopt);
  EXPECT_EQ(attached_to("sha512-" + std::string(64, 'a')), std::nullopt);
  EXPECT_EQ(attached_to("v1"), std::nullopt);
}

TEST(RetentionKeep, ShortDurationsUseTheLargestWholeUnit) {
  EXPECT_EQ(short_duration(0s), "0s");
  EXPECT_EQ(short_duration(59s), "59s");
  EXPECT_EQ(short_duration(90min), "1h");
  EXPECT_EQ(short_duration(std::chrono::days(30)), "30d");
}

}  // namespace
}  // namespace registry
