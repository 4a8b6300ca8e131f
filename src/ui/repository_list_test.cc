#include "ui/repository_list.h"

#include <gtest/gtest.h>

#include "ui/test_registry.h"

namespace ui {
namespace {

using nlohmann::json;

json list(
    registry::Registry& registry, RepositoryQuery query,
    const MayPull& may_pull = [](std::string_view) { return true; }) {
  auto text = repository_list(registry, query, may_pull);
  EXPECT_TRUE(text) << (text ? "" : text.error().message);
  return text ? json::parse(*text) : json();
}

std::vector<std::string> names(const json& page) {
  std::vector<std::string> out;
  for (const auto& entry : page["repositories"]) out.push_back(entry["name"]);
  return out;
}

TEST(PageSize, DefaultsClampsAndRefuses) {
  EXPECT_EQ(parse_page_size(""), kDefaultRepositoryPage);
  EXPECT_EQ(parse_page_size("7"), 7u);
  EXPECT_EQ(parse_page_size("5000"), kMaxRepositoryPage);
  EXPECT_EQ(parse_page_size("99999999999999999999999999"), kMaxRepositoryPage);
  for (const std::string_view bad : {"x", "-1", "0", "1.5", " 1", "+2", "1e3"}) {
    auto n = parse_page_size(bad);
    ASSERT_FALSE(n) << bad;
    EXPECT_EQ(n.error().code, oci::ErrorCode::kPaginationNumberInvalid);
  }
}

TEST(RepositoryList, DescribesEachRepository) {
  testing::TestRegistry registry;
  registry.image("team/app", "1.0", "amd64", "one");
  registry.image("team/app", "2.0", "amd64", "two");
  registry.blob("untagged", "bytes");
  const json page = list(*registry, {});
  ASSERT_EQ(page["repositories"].size(), 2u);
  const json& app = page["repositories"][0];
  EXPECT_EQ(app["name"], "team/app");
  EXPECT_EQ(app["tags"], 2);
  EXPECT_TRUE(app["updated_at"].is_string());
  EXPECT_EQ(app["updated_at"].get<std::string>().size(), 20u);
  EXPECT_EQ(page["repositories"][1]["tags"], 0);
  EXPECT_TRUE(page["repositories"][1]["updated_at"].is_null());
  EXPECT_TRUE(page["next"].is_null());
}

TEST(RepositoryList, SearchesAndPagesWithoutGaps) {
  testing::TestRegistry registry;
  for (const std::string name : {"a/app1", "a/db", "b/app2", "c/app3", "hidden/app4", "z/app5"}) {
    registry.blob(name, name);
  }
  const MayPull visible = [](std::string_view name) { return !name.starts_with("hidden/"); };
  json page = list(*registry, {.q = "APP", .last = "", .n = 2}, visible);
  EXPECT_EQ(names(page), (std::vector<std::string>{"a/app1", "b/app2"}));
  EXPECT_EQ(page["next"], "b/app2");
  page = list(*registry, {.q = "APP", .last = "b/app2", .n = 2}, visible);
  EXPECT_EQ(names(page), (std::vector<std::string>{"c/app3", "z/app5"}));
  EXPECT_TRUE(page["next"].is_null());  // nothing matches after z/app5
  page = list(*registry, {.q = "nothing", .last = "", .n = 50}, visible);
  EXPECT_TRUE(page["repositories"].empty());
  EXPECT_TRUE(page["next"].is_null());
}

TEST(RepositoryList, ReadsOnThroughManyCatalogChunks) {
  testing::TestRegistry registry;
  const std::string content = "shared";
  // One more than a catalog chunk (1000).
  for (int i = 0; i < 1010; ++i) {
    std::string name = "r";
    name.append(std::to_string(10000 + i));
    registry.blob(name, content);
  }
  const json page = list(*registry, {.q = "r11009", .last = "", .n = 5});
  EXPECT_EQ(names(page), (std::vector<std::string>{"r11009"}));
  EXPECT_TRUE(page["next"].is_null());
  // The last name of the first chunk (r10999) matches: the next chunk starts after it, not
  // over again from the start.
  const json nines = list(*registry, {.q = "99", .last = "", .n = 50});
  std::vector<std::string> expected;
  for (int i = 0; i < 1010; ++i) {
    std::string name = "r";
    name.append(std::to_string(10000 + i));
    if (name.find("99") != std::string::npos) expected.push_back(name);
  }
  EXPECT_EQ(names(nines), expected);
  EXPECT_TRUE(nines["next"].is_null());
}

}  // namespace
}  // namespace ui
