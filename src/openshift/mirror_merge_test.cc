#include "openshift/mirror_merge.h"

#include <gtest/gtest.h>

namespace openshift {
namespace {

using Lists = std::vector<std::vector<std::string>>;
using Order = std::vector<std::string>;

TEST(MirrorMerge, ChainsListsInOrder) {
  EXPECT_EQ(merge_mirror_lists("S", Lists{{"B", "C"}, {"A", "B"}}), (Order{"A", "B", "C"}));
}

TEST(MirrorMerge, BreaksTiesLexically) {
  EXPECT_EQ(merge_mirror_lists("S", Lists{{"m2"}, {"m1"}}), (Order{"m1", "m2"}));
}

TEST(MirrorMerge, BreaksCyclesAtTheLexicallyFirstMirror) {
  EXPECT_EQ(merge_mirror_lists("S", Lists{{"B", "A"}, {"A", "B"}}), (Order{"A", "B"}));
}

TEST(MirrorMerge, KeepsTheSourceWhenACycleBreaksBeforeIt) {
  EXPECT_EQ(merge_mirror_lists("a.io/s", Lists{{"a.io/s", "b.io/m"}}), (Order{"a.io/s", "b.io/m"}));
}

TEST(MirrorMerge, DropsDuplicates) {
  EXPECT_EQ(merge_mirror_lists("S", Lists{{"A", "B"}, {"A", "B"}}), (Order{"A", "B"}));
}

}  // namespace
}  // namespace openshift
