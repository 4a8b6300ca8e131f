#include "nodeconf/prefix_match.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace nodeconf {
namespace {

struct MatchCase {
  std::string ref;
  std::string prefix;
  std::optional<std::size_t> covered;
};

class MatchPrefixTest : public testing::TestWithParam<MatchCase> {};

TEST_P(MatchPrefixTest, StopsAtBoundaries) {
  EXPECT_EQ(match_prefix(GetParam().ref, GetParam().prefix), GetParam().covered);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MatchPrefixTest,
    testing::Values(MatchCase{"example.com/a", "example.com", 11},
                    MatchCase{"example.com", "example.com", 11},
                    MatchCase{"example.com:5000/a", "example.com", 11},  // upstream: unintended
                    MatchCase{"example.com/a@sha256:x", "example.com/a", 13},
                    MatchCase{"example.com/a:1", "example.com/a", 13},
                    MatchCase{"example.comm/a", "example.com", std::nullopt},
                    MatchCase{"example.com/ab", "example.com/a", std::nullopt},
                    MatchCase{"example.co", "example.com", std::nullopt},
                    MatchCase{"Example.com/a", "example.com", std::nullopt},  // case-sensitive
                    MatchCase{"a.example.com/x", "*.example.com", 13},
                    MatchCase{"a.b.example.com:5000/x", "*.example.com", 15},
                    MatchCase{"example.com/x", "*.example.com", std::nullopt},
                    MatchCase{"a.example.company/x", "*.example.com", std::nullopt},
                    // Only the first ".example.com" counts.
                    MatchCase{"x.example.company.example.com/a", "*.example.com", std::nullopt},
                    MatchCase{"a.example.com/x.example.com/b", "*.example.com", 13},
                    MatchCase{"host/a.example.com/b", "*.example.com", std::nullopt}));

Registry entry(std::string prefix) {
  Registry registry;
  registry.prefix = std::move(prefix);
  registry.endpoint.location = "location.example.net";
  return registry;
}

TEST(FindRegistryTest, LongestPrefixStringWinsAndTiesGoToTheFirst) {
  const std::vector<Registry> registries = {entry("*.example.com"), entry("example.com"),
                                            entry("example.com/ns"), entry("x.example.com")};
  EXPECT_EQ(find_registry(registries, "example.com/ns/app")->prefix, "example.com/ns");
  EXPECT_EQ(find_registry(registries, "example.com/other")->prefix, "example.com");
  EXPECT_EQ(find_registry(registries, "x.example.com/app")->prefix, "*.example.com");
  EXPECT_EQ(find_registry(registries, "quay.io/app"), nullptr);
}

TEST(FindRegistryTest, AnEmptyPrefixNeverMatches) {
  EXPECT_EQ(find_registry({entry("")}, "example.com/app"), nullptr);
}

}  // namespace
}  // namespace nodeconf
