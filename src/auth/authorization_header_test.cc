#include "auth/authorization_header.h"

#include <gtest/gtest.h>

#include "oci/base64.h"

namespace auth {
namespace {

std::string basic(std::string_view user_password) {
  return "Basic " + oci::base64_encode(user_password);
}

TEST(AuthorizationHeader, ParsesBasicCredentials) {
  EXPECT_EQ(parse_basic_authorization(basic("alice:s3cret")),
            (BasicCredentials{"alice", "s3cret"}));
  EXPECT_EQ(parse_basic_authorization("basic  " + oci::base64_encode("a:b:c") + " "),
            (BasicCredentials{"a", "b:c"}));
  EXPECT_EQ(parse_basic_authorization("BASIC " + oci::base64_encode("a:")),
            (BasicCredentials{"a", ""}));
  // RFC 7617's example.
  EXPECT_EQ(parse_basic_authorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
            (BasicCredentials{"Aladdin", "open sesame"}));
}

TEST(AuthorizationHeader, RefusesBadBasicCredentials) {
  EXPECT_EQ(parse_basic_authorization(""), std::nullopt);
  EXPECT_EQ(parse_basic_authorization("Basic"), std::nullopt);
  EXPECT_EQ(parse_basic_authorization("Basic "), std::nullopt);
  EXPECT_EQ(parse_basic_authorization("Basicx" + oci::base64_encode("a:b")), std::nullopt);
  EXPECT_EQ(parse_basic_authorization("Bearer " + oci::base64_encode("a:b")), std::nullopt);
  EXPECT_EQ(parse_basic_authorization("Basic not*base64"), std::nullopt);
  EXPECT_EQ(parse_basic_authorization("Basic YWxpY2U"), std::nullopt);  // unpadded
  EXPECT_EQ(parse_basic_authorization(basic("alice")), std::nullopt);
  EXPECT_EQ(parse_basic_authorization(basic(":pw")), std::nullopt);
  EXPECT_EQ(parse_basic_authorization(basic(std::string_view("a:p\0w", 5))), std::nullopt);
  EXPECT_EQ(parse_basic_authorization(basic("a\r\n:pw")), std::nullopt);
  const std::string huge = basic("a:" + std::string(kMaxAuthorizationLength, 'x'));
  EXPECT_EQ(parse_basic_authorization(huge), std::nullopt);
}

TEST(AuthorizationHeader, ParsesBearerTokens) {
  EXPECT_EQ(parse_bearer_authorization("Bearer eyJh.eyJz.c2ln"), "eyJh.eyJz.c2ln");
  EXPECT_EQ(parse_bearer_authorization("bearer abc-_~+/=="), "abc-_~+/==");
  EXPECT_EQ(parse_bearer_authorization("Bearer "), std::nullopt);
  EXPECT_EQ(parse_bearer_authorization("Bearer =="), std::nullopt);
  EXPECT_EQ(parse_bearer_authorization("Bearer a b"), std::nullopt);
  EXPECT_EQ(parse_bearer_authorization("Bearer a=b"), std::nullopt);
  EXPECT_EQ(parse_bearer_authorization("Bearer a\"b"), std::nullopt);
  EXPECT_EQ(parse_bearer_authorization("Basic abc"), std::nullopt);
  EXPECT_EQ(parse_bearer_authorization("Bearer " + std::string(kMaxAuthorizationLength, 'a')),
            std::nullopt);
}

TEST(AuthorizationHeader, FormatsTheBearerChallenge) {
  EXPECT_EQ(format_bearer_challenge({"https://r.example/token", "r.example",
                                     "repository:a:pull repository:b:push", ""}),
            "Bearer realm=\"https://r.example/token\",service=\"r.example\","
            "scope=\"repository:a:pull repository:b:push\"");
  EXPECT_EQ(format_bearer_challenge({"https://r/token", "r", "", "insufficient_scope"}),
            "Bearer realm=\"https://r/token\",service=\"r\",error=\"insufficient_scope\"");
  EXPECT_EQ(format_bearer_challenge({"a\"b\\c", "x\r\ny", "", ""}),
            "Bearer realm=\"a\\\"b\\\\c\",service=\"xy\"");
}

}  // namespace
}  // namespace auth
