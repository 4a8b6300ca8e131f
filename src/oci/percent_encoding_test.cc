#include "oci/percent_encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace oci {
namespace {

TEST(PercentEncoding, RoundTrips) {
  const std::string text = "repository:ns/app:pull,push +&=%";
  EXPECT_EQ(percent_encode(text), "repository%3Ans%2Fapp%3Apull%2Cpush%20%2B%26%3D%25");
  EXPECT_EQ(percent_decode(percent_encode(text)), text);
}

TEST(PercentEncoding, KeepsUnreservedAndEncodesBytesInUpperCaseHex) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("\xff\x01 é"), "%FF%01%20%C3%A9");
  EXPECT_EQ(percent_encode(""), "");
}

TEST(PercentEncoding, DecodesEitherCaseAndPlusAsSpace) {
  EXPECT_EQ(percent_decode("sha256%3aab%3A"), "sha256:ab:");
  EXPECT_EQ(percent_decode("1+2"), "1 2");
  EXPECT_EQ(percent_decode("%2B"), "+");
}

TEST(PercentEncoding, LeavesBrokenEscapesAsTheyAre) {
  EXPECT_EQ(percent_decode("a%zz%4"), "a%zz%4");
  EXPECT_EQ(percent_decode("%"), "%");
  EXPECT_EQ(percent_decode("%4g"), "%4g");
}

}  // namespace
}  // namespace oci
