#include "oci/base64.h"

#include <gtest/gtest.h>

namespace oci {
namespace {

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
  EXPECT_EQ(base64_decode(""), "");
}

TEST(Base64, UrlAlphabetWithoutPadding) {
  const std::string bytes("\xfb\xff\xfe", 3);
  EXPECT_EQ(base64_encode(bytes), "+//+");
  EXPECT_EQ(base64url_encode(bytes), "-__-");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_decode("-__-"), bytes);
  EXPECT_EQ(base64url_decode("Zg"), "f");
}

TEST(Base64, RefusesMalformedText) {
  EXPECT_EQ(base64_decode("Zg="), std::nullopt);      // length not a multiple of 4
  EXPECT_EQ(base64_decode("Zg"), std::nullopt);       // padding required
  EXPECT_EQ(base64_decode("Z==="), std::nullopt);     // three '='
  EXPECT_EQ(base64_decode("Zm=v"), std::nullopt);     // '=' in the middle
  EXPECT_EQ(base64_decode("Zh=="), std::nullopt);     // non-zero trailing bits
  EXPECT_EQ(base64_decode("Zm9v\n"), std::nullopt);   // whitespace
  EXPECT_EQ(base64_decode("-__-"), std::nullopt);     // url alphabet
  EXPECT_EQ(base64url_decode("Zg=="), std::nullopt);  // padding
  EXPECT_EQ(base64url_decode("+//+"), std::nullopt);  // standard alphabet
  EXPECT_EQ(base64url_decode("Z"), std::nullopt);     // one character holds no byte
}

// As Go's base64.StdEncoding.DecodeString.
TEST(Base64, GoStdDecodingSkipsLineBreaksAndTrailingBits) {
  EXPECT_EQ(base64_decode_go_std("Zm9v\nYmFy\r\n"), "foobar");
  EXPECT_EQ(base64_decode_go_std("\nZ\rg=\n="), "f");  // line breaks even inside padding
  EXPECT_EQ(base64_decode_go_std("Zh=="), "f");        // non-zero trailing bits ignored
  EXPECT_EQ(base64_decode_go_std("Zm9=\n"), "fo");
  EXPECT_EQ(base64_decode_go_std(""), "");
  EXPECT_EQ(base64_decode_go_std("\r\n"), "");
}

TEST(Base64, GoStdDecodingRefusesWhatGoRefuses) {
  EXPECT_EQ(base64_decode_go_std("Zg"), std::nullopt);       // padding required
  EXPECT_EQ(base64_decode_go_std("Zg="), std::nullopt);      // truncated padding
  EXPECT_EQ(base64_decode_go_std("Z==="), std::nullopt);     // three '='
  EXPECT_EQ(base64_decode_go_std("Zm=v"), std::nullopt);     // '=' in the middle
  EXPECT_EQ(base64_decode_go_std("Zm9v Ym"), std::nullopt);  // spaces are not skipped
  EXPECT_EQ(base64_decode_go_std("Zm9v\t"), std::nullopt);
  EXPECT_EQ(base64_decode_go_std("-__-"), std::nullopt);      // url alphabet
  EXPECT_EQ(base64_decode_go_std("Zg==Zg=="), std::nullopt);  // data after padding
  EXPECT_EQ(base64_decode_go_std(std::string("Zm9v\0", 5)), std::nullopt);
}

TEST(Base64, RoundTripsEveryByte) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (std::size_t n = 0; n < 8; ++n) {
    const std::string part = bytes.substr(n);
    EXPECT_EQ(base64_decode(base64_encode(part)), part);
    EXPECT_EQ(base64url_decode(base64url_encode(part)), part);
    EXPECT_EQ(base64_decode_go_std(base64_encode(part)), part);
  }
}

}  // namespace
}  // namespace oci
