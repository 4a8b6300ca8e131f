#include "oci/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace oci {
namespace {

TEST(Utf8Test, AcceptsWhatGoDecodes) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("ascii"));
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x84\xaa \xf0\x9f\x90\xb3"));
  EXPECT_EQ(utf8_sequence_length("\xe2\x84\xaa", 0), 3u);
  EXPECT_EQ(utf8_sequence_length("a", 0), 1u);
}

TEST(Utf8Test, RefusesWhatGoReplacesByU_FFFD) {
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xc3\x28"));          // bad continuation
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(utf8_sequence_length("\x80", 0), 0u);
}

}  // namespace
}  // namespace oci
