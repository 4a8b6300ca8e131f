#include "nodeconf/go_quote.h"

#include <gtest/gtest.h>

namespace nodeconf {
namespace {

TEST(GoQuoteTest, QuotesAsGoPercentQ) {
  EXPECT_EQ(go_quote("quay.io/ns"), "\"quay.io/ns\"");
  EXPECT_EQ(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(go_quote("tab\there\nnl"), "\"tab\\there\\nnl\"");
  EXPECT_EQ(go_quote(std::string("nul\0", 4)), "\"nul\\x00\"");
  EXPECT_EQ(go_quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(go_quote("bad\xff"), "\"bad\\xff\"");
  EXPECT_EQ(go_quote(""), "\"\"");
}

}  // namespace
}  // namespace nodeconf
