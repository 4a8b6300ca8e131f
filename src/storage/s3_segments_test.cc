#include "storage/s3_segments.h"

#include <gtest/gtest.h>

namespace storage {
namespace {

TEST(S3Segments, IndexRoundTrips) {
  const SegmentIndex index{{{"0-ab", 12, 12}, {"1-cd", 3, 20}}};
  EXPECT_EQ(serialize(index), "regmirror-segments 1\n12 12 0-ab\n3 20 1-cd\n");
  auto parsed = parse_segment_index(serialize(index));
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->segments.size(), 2u);
  EXPECT_EQ(parsed->segments[1].name, "1-cd");
  EXPECT_EQ(parsed->segments[1].used, 3u);
  EXPECT_EQ(parsed->segments[1].stored, 20u);
  EXPECT_EQ(parsed->size(), 15u);
  auto empty = parse_segment_index("regmirror-segments 1\n");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->segments.empty());
}

TEST(S3Segments, BadIndexesAreRejected) {
  for (const char* text : {"", "plain bytes", "regmirror-segments 1\n12 12 a",
                           "regmirror-segments 1\n12 a\n", "regmirror-segments 1\n13 12 a\n",
                           "regmirror-segments 1\nx 12 a\n", "regmirror-segments 1\n1 2 \n"}) {
    EXPECT_FALSE(parse_segment_index(text)) << text;
  }
}

TEST(S3Segments, TruncationKeepsWholeSegmentsAndPartOfTheLast) {
  const SegmentIndex index{{{"a", 10, 10}, {"b", 5, 5}, {"c", 7, 7}}};
  EXPECT_TRUE(truncated(index, 0).segments.empty());
  auto kept = truncated(index, 12);
  ASSERT_EQ(kept.segments.size(), 2u);
  EXPECT_EQ(kept.segments[1].name, "b");
  EXPECT_EQ(kept.segments[1].used, 2u);
  EXPECT_EQ(kept.segments[1].stored, 5u);
  EXPECT_EQ(kept.size(), 12u);
  EXPECT_EQ(truncated(index, 15).segments.size(), 2u);
  EXPECT_EQ(truncated(index, 22).size(), 22u);
}

TEST(S3Segments, CopiesAboveFiveGibibytesArePlannedInParts) {
  const std::uint64_t gib = std::uint64_t{1} << 30;
  const auto parts = plan_part_copies(12 * gib + 5, 5 * gib);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].part_number, 1);
  EXPECT_EQ(parts[0].first, 0u);
  EXPECT_EQ(parts[0].last, 5 * gib - 1);
  EXPECT_EQ(parts[1].first, 5 * gib);
  EXPECT_EQ(parts[2].part_number, 3);
  EXPECT_EQ(parts[2].first, 10 * gib);
  EXPECT_EQ(parts[2].last, 12 * gib + 4);
  EXPECT_TRUE(plan_part_copies(0, 5 * gib).empty());
  EXPECT_EQ(plan_part_copies(5 * gib, 5 * gib).size(), 1u);
}

}  // namespace
}  // namespace storage
