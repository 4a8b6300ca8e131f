#include "client/token_request.h"

#include <gtest/gtest.h>

namespace client {
namespace {

Challenge bearer() {
  return parse_challenges(R"(Bearer realm="http://127.0.0.1:9/token",service="reg svc")").front();
}

bool has_header(const HttpRequest& request, std::string_view header) {
  for (const auto& h : request.headers) {
    if (h == header) return true;
  }
  return false;
}

TEST(TokenRequest, AnonymousGet) {
  const auto request = token_request(bearer(), {"repository:a:pull"}, std::nullopt);
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url, "http://127.0.0.1:9/token?service=reg%20svc&scope=repository%3Aa%3Apull");
  EXPECT_TRUE(request.headers.empty());
}

TEST(TokenRequest, BasicCredentialsAndSeveralScopes) {
  const auto request =
      token_request(bearer(), {repository_scope("a", true), repository_scope("b", false)},
                    Credentials{"user", "pass", ""});
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.url,
            "http://127.0.0.1:9/token?service=reg%20svc&scope=repository%3Aa%3Apull%2Cpush"
            "&scope=repository%3Ab%3Apull&account=user");
  EXPECT_TRUE(has_header(request, "Authorization: Basic dXNlcjpwYXNz"));
}

TEST(TokenRequest, IdentityTokenPostsARefreshGrant) {
  const auto request = token_request(bearer(), {"repository:a:pull", "repository:b:pull"},
                                     Credentials{"<token>", "", "refresh me"});
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://127.0.0.1:9/token");
  EXPECT_TRUE(has_header(request, "Content-Type: application/x-www-form-urlencoded"));
  EXPECT_EQ(request.body,
            "grant_type=refresh_token&refresh_token=refresh%20me&client_id=regmirror"
            "&service=reg%20svc&scope=repository%3Aa%3Apull%20repository%3Ab%3Apull");
}

TEST(TokenResponse, TokenOrAccessToken) {
  auto grant = parse_token_response(R"({"token":"abc","expires_in":300})");
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->token, "abc");
  EXPECT_EQ(grant->lifetime, std::chrono::seconds(300));
  grant = parse_token_response(R"({"access_token":"xyz"})");
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->token, "xyz");
  EXPECT_EQ(grant->lifetime, std::chrono::seconds(60));
  grant = parse_token_response(R"({"token":"","access_token":"second","expires_in":-3})");
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->token, "second");
  EXPECT_EQ(grant->lifetime, std::chrono::seconds(60));
}

TEST(TokenResponse, HugeLifetimesAreCappedAtADay) {
  for (const char* expires : {"1e300", "9223372036854775807", "86401"}) {
    auto grant = parse_token_response(std::string(R"({"token":"t","expires_in":)") + expires + "}");
    ASSERT_TRUE(grant) << expires;
    EXPECT_EQ(grant->lifetime, std::chrono::hours(24)) << expires;
  }
  auto grant = parse_token_response(R"({"token":"t","expires_in":0.5})");
  ASSERT_TRUE(grant);
  EXPECT_EQ(grant->lifetime, std::chrono::seconds(1));
}

TEST(TokenResponse, Refusals) {
  EXPECT_EQ(parse_token_response("<html>").error().code, oci::ErrorCode::kUnauthorized);
  EXPECT_FALSE(parse_token_response(R"({"expires_in":60})"));
  EXPECT_FALSE(parse_token_response(R"({"token":5})"));
}

TEST(BasicAuthorization, Base64) {
  EXPECT_EQ(basic_authorization({"a", "b", ""}), "Basic YTpi");
  EXPECT_EQ(basic_authorization({"user", "p:w", ""}), "Basic dXNlcjpwOnc=");
}

}  // namespace
}  // namespace client
