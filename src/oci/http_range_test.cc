#include "oci/http_range.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace oci {
namespace {

constexpr std::uint64_t kMax = UINT64_MAX;

struct ContentRangeCase {
  std::string name;
  std::string value;
  std::optional<ByteRange> expected;  // nullopt: kRangeInvalid
};

class ContentRangeTest : public testing::TestWithParam<ContentRangeCase> {};

TEST_P(ContentRangeTest, Parses) {
  const auto& c = GetParam();
  const auto range = parse_content_range(c.value);
  ASSERT_EQ(range.has_value(), c.expected.has_value());
  if (c.expected) {
    EXPECT_EQ(range->first, c.expected->first);
    EXPECT_EQ(range->last, c.expected->last);
  } else {
    EXPECT_EQ(range.error().code, ErrorCode::kRangeInvalid);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ContentRangeTest,
    testing::Values(ContentRangeCase{"SpecForm", "0-1023", ByteRange{0, 1023}},
                    ContentRangeCase{"OneByte", "5-5", ByteRange{5, 5}},
                    ContentRangeCase{"BytesSpacePrefix", "bytes 10-20", ByteRange{10, 20}},
                    ContentRangeCase{"BytesEqualsPrefix", "bytes=10-20", ByteRange{10, 20}},
                    ContentRangeCase{"UppercaseUnit", "Bytes 10-20", ByteRange{10, 20}},
                    ContentRangeCase{"SurroundingSpaces", "  0-9 ", ByteRange{0, 9}},
                    ContentRangeCase{"LeadingZeros", "007-010", ByteRange{7, 10}},
                    ContentRangeCase{"Large", "9223372036854775807-18446744073709551614",
                                     ByteRange{9223372036854775807ULL, kMax - 1}},
                    ContentRangeCase{"Empty", "", std::nullopt},
                    ContentRangeCase{"OnlyDash", "-", std::nullopt},
                    ContentRangeCase{"NoDash", "1023", std::nullopt},
                    ContentRangeCase{"NoLast", "0-", std::nullopt},
                    ContentRangeCase{"NoFirst", "-1023", std::nullopt},
                    ContentRangeCase{"LastBeforeFirst", "10-9", std::nullopt},
                    ContentRangeCase{"Negative", "-1-5", std::nullopt},
                    ContentRangeCase{"Plus", "+1-5", std::nullopt},
                    ContentRangeCase{"InnerSpaces", "0 - 9", std::nullopt},
                    ContentRangeCase{"SpaceAfterDash", "0- 9", std::nullopt},
                    ContentRangeCase{"Hex", "0x0-0x9", std::nullopt},
                    ContentRangeCase{"WithTotal", "bytes 0-9/10", std::nullopt},
                    ContentRangeCase{"TwoRanges", "0-9,10-19", std::nullopt},
                    ContentRangeCase{"OtherUnit", "items 0-9", std::nullopt},
                    ContentRangeCase{"OnlyUnit", "bytes ", std::nullopt},
                    ContentRangeCase{"FirstOverflows", "99999999999999999999999-1", std::nullopt},
                    ContentRangeCase{"LastOverflows", "0-99999999999999999999999", std::nullopt},
                    ContentRangeCase{"BothOverflow",
                                     "99999999999999999999998-99999999999999999999999",
                                     std::nullopt},
                    ContentRangeCase{"LastIsUint64Max", "0-18446744073709551615", std::nullopt},
                    ContentRangeCase{"JustPastUint64", "0-18446744073709551616", std::nullopt}),
    [](const auto& info) { return info.param.name; });

struct RangeCase {
  std::string name;
  std::string value;
  std::uint64_t size;
  std::optional<ByteRange> expected;  // nullopt: kRangeInvalid
};

class RangeTest : public testing::TestWithParam<RangeCase> {};

TEST_P(RangeTest, ParsesAndClamps) {
  const auto& c = GetParam();
  const auto range = parse_range(c.value, c.size);
  ASSERT_EQ(range.has_value(), c.expected.has_value());
  if (c.expected) {
    EXPECT_EQ(range->first, c.expected->first);
    EXPECT_EQ(range->last, c.expected->last);
    EXPECT_LE(range->last, c.size - 1);
  } else {
    EXPECT_EQ(range.error().code, ErrorCode::kRangeInvalid);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, RangeTest,
    testing::Values(
        RangeCase{"Closed", "bytes=0-99", 1000, ByteRange{0, 99}},
        RangeCase{"Middle", "bytes=100-199", 1000, ByteRange{100, 199}},
        RangeCase{"WholeBlob", "bytes=0-999", 1000, ByteRange{0, 999}},
        RangeCase{"LastByte", "bytes=999-999", 1000, ByteRange{999, 999}},
        RangeCase{"OneByteBlob", "bytes=0-0", 1, ByteRange{0, 0}},
        RangeCase{"LastClamped", "bytes=500-5000", 1000, ByteRange{500, 999}},
        RangeCase{"LastOverflowClamped", "bytes=0-99999999999999999999999", 1000,
                  ByteRange{0, 999}},
        RangeCase{"OpenEnded", "bytes=900-", 1000, ByteRange{900, 999}},
        RangeCase{"OpenEndedFromZero", "bytes=0-", 1000, ByteRange{0, 999}},
        RangeCase{"Suffix", "bytes=-100", 1000, ByteRange{900, 999}},
        RangeCase{"SuffixWholeBlob", "bytes=-1000", 1000, ByteRange{0, 999}},
        RangeCase{"SuffixLargerThanBlob", "bytes=-5000", 1000, ByteRange{0, 999}},
        RangeCase{"SuffixOverflow", "bytes=-99999999999999999999999", 1000, ByteRange{0, 999}},
        RangeCase{"SuffixOneByte", "bytes=-1", 1000, ByteRange{999, 999}},
        RangeCase{"UppercaseUnit", "BYTES=0-9", 1000, ByteRange{0, 9}},
        RangeCase{"SurroundingSpaces", " bytes=0-9  ", 1000, ByteRange{0, 9}},
        RangeCase{"HugeBlob", "bytes=18446744073709551613-", kMax, ByteRange{kMax - 2, kMax - 1}},
        RangeCase{"FirstAtSize", "bytes=1000-", 1000, std::nullopt},
        RangeCase{"FirstPastSize", "bytes=1500-2000", 1000, std::nullopt},
        RangeCase{"FirstOverflows", "bytes=99999999999999999999999-", 1000, std::nullopt},
        RangeCase{"FirstOverflowsWithLast", "bytes=99999999999999999999999-1", 1000, std::nullopt},
        RangeCase{"EmptyBlob", "bytes=0-0", 0, std::nullopt},
        RangeCase{"EmptyBlobOpenEnded", "bytes=0-", 0, std::nullopt},
        RangeCase{"EmptyBlobSuffix", "bytes=-1", 0, std::nullopt},
        RangeCase{"ZeroSuffix", "bytes=-0", 1000, std::nullopt},
        RangeCase{"LastBeforeFirst", "bytes=10-9", 1000, std::nullopt},
        RangeCase{"MultipleRanges", "bytes=0-9,20-29", 1000, std::nullopt},
        RangeCase{"MultipleRangesWithSpace", "bytes=0-9, 20-29", 1000, std::nullopt},
        RangeCase{"TrailingComma", "bytes=0-9,", 1000, std::nullopt},
        RangeCase{"NoUnit", "0-9", 1000, std::nullopt},
        RangeCase{"SpaceNotEquals", "bytes 0-9", 1000, std::nullopt},
        RangeCase{"OtherUnit", "items=0-9", 1000, std::nullopt},
        RangeCase{"SpaceAroundEquals", "bytes = 0-9", 1000, std::nullopt},
        RangeCase{"SpaceAfterEquals", "bytes= 0-9", 1000, std::nullopt},
        RangeCase{"InnerSpaces", "bytes=0 - 9", 1000, std::nullopt},
        RangeCase{"OnlyUnit", "bytes=", 1000, std::nullopt},
        RangeCase{"OnlyDash", "bytes=-", 1000, std::nullopt},
        RangeCase{"NoDash", "bytes=5", 1000, std::nullopt},
        RangeCase{"DoubleDash", "bytes=--5", 1000, std::nullopt},
        RangeCase{"ThreeParts", "bytes=0-5-9", 1000, std::nullopt},
        RangeCase{"Negative", "bytes=-5-9", 1000, std::nullopt},
        RangeCase{"NonDigits", "bytes=a-b", 1000, std::nullopt},
        RangeCase{"Empty", "", 1000, std::nullopt}),
    [](const auto& info) { return info.param.name; });

TEST(ByteRangeTest, LengthIsInclusive) {
  EXPECT_EQ((ByteRange{0, 0}.length()), 1u);
  EXPECT_EQ((ByteRange{10, 19}.length()), 10u);
}

}  // namespace
}  // namespace oci
