#include "client/error_body.h"

#include <gtest/gtest.h>

namespace client {
namespace {

using oci::ErrorCode;

TEST(ParseErrorBody, SpecCodes) {
  const auto error = parse_error_body(
      R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]})");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kManifestUnknown);
  EXPECT_EQ(error->message, "manifest unknown");
  EXPECT_EQ(error->detail, R"({"Tag":"x"})");
  EXPECT_EQ(parse_error_body(R"({"errors":[{"code":"DENIED"}]})")->code, ErrorCode::kDenied);
  EXPECT_EQ(parse_error_body(R"({"errors":[{"code":"TOOMANYREQUESTS","message":"slow"}]})")->code,
            ErrorCode::kTooManyRequests);
  EXPECT_EQ(parse_error_body(R"({"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]})")->code,
            ErrorCode::kBlobUploadUnknown);
}

TEST(ParseErrorBody, UnknownCodeKeepsItsName) {
  const auto error = parse_error_body(R"({"errors":[{"code":"TAG_INVALID","message":"bad"}]})",
                                      ErrorCode::kManifestInvalid);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kManifestInvalid);
  EXPECT_EQ(error->message, "TAG_INVALID: bad");
}

TEST(ParseErrorBody, NotAnErrorBody) {
  EXPECT_FALSE(parse_error_body("404 page not found"));
  EXPECT_FALSE(parse_error_body(""));
  EXPECT_FALSE(parse_error_body(R"({"errors":[]})"));
  EXPECT_FALSE(parse_error_body(R"({"errors":[{"message":"no code"}]})"));
  EXPECT_FALSE(parse_error_body(R"({"errors":[{"code":7}]})"));
  EXPECT_FALSE(parse_error_body(R"([1,2])"));
  // A non-string message is ignored, not fatal.
  EXPECT_EQ(parse_error_body(R"({"errors":[{"code":"DENIED","message":3}]})")->message, "");
  // Nested 100000 deep, keeping "detail" would overflow the stack.
  const std::string deep = R"({"errors":[{"code":"DENIED","detail":)" + std::string(100000, '[') +
                           std::string(100000, ']') + "}]}";
  EXPECT_FALSE(parse_error_body(deep));
  EXPECT_EQ(error_from_response("GET", "https://r.example.com/v2/", 403, deep).code,
            ErrorCode::kDenied);
}

TEST(ErrorFromResponse, BodyWins) {
  const auto error =
      error_from_response("GET", "http://r/v2/a/manifests/x", 404,
                          R"({"errors":[{"code":"NAME_UNKNOWN","message":"no repo"}]})");
  EXPECT_EQ(error.code, ErrorCode::kNameUnknown);
  EXPECT_EQ(error.message, "GET http://r/v2/a/manifests/x: HTTP 404: NAME_UNKNOWN: no repo");
}

TEST(ErrorFromResponse, StatusWithoutBody) {
  struct Case {
    long status;
    ErrorCode code;
  } cases[] = {{401, ErrorCode::kUnauthorized}, {403, ErrorCode::kDenied},
               {404, ErrorCode::kNotFound},     {405, ErrorCode::kUnsupported},
               {416, ErrorCode::kRangeInvalid}, {429, ErrorCode::kTooManyRequests},
               {500, ErrorCode::kInternal},     {502, ErrorCode::kInternal}};
  for (const auto& c : cases) {
    EXPECT_EQ(error_from_response("HEAD", "u", c.status, "").code, c.code) << c.status;
  }
  EXPECT_EQ(error_from_response("GET", "http://r/v2/x", 404, "404 page not found\n").message,
            "GET http://r/v2/x: HTTP 404: 404 page not found");
  // An unknown spec code takes the status's code and keeps its own name, once.
  EXPECT_EQ(error_from_response("GET", "u", 403, R"({"errors":[{"code":"ODD"}]})").code,
            ErrorCode::kDenied);
  EXPECT_EQ(error_from_response("GET", "u", 500,
                                R"({"errors":[{"code":"UNKNOWN","message":"unknown error"}]})")
                .message,
            "GET u: HTTP 500: UNKNOWN: unknown error");
}

}  // namespace
}  // namespace client
