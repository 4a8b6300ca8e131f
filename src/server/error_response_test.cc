#include "server/error_response.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace server {
namespace {

using oci::ErrorCode;

TEST(ErrorResponse, StatusPerCode) {
  EXPECT_EQ(status_for(ErrorCode::kBlobUnknown), http::status::not_found);
  EXPECT_EQ(status_for(ErrorCode::kBlobUploadUnknown), http::status::not_found);
  EXPECT_EQ(status_for(ErrorCode::kManifestUnknown), http::status::not_found);
  EXPECT_EQ(status_for(ErrorCode::kNameUnknown), http::status::not_found);
  EXPECT_EQ(status_for(ErrorCode::kDigestInvalid), http::status::bad_request);
  EXPECT_EQ(status_for(ErrorCode::kManifestInvalid), http::status::bad_request);
  EXPECT_EQ(status_for(ErrorCode::kManifestBlobUnknown), http::status::bad_request);
  EXPECT_EQ(status_for(ErrorCode::kNameInvalid), http::status::bad_request);
  EXPECT_EQ(status_for(ErrorCode::kBlobUploadInvalid), http::status::bad_request);
  EXPECT_EQ(status_for(ErrorCode::kSizeInvalid), http::status::payload_too_large);
  EXPECT_EQ(status_for(ErrorCode::kUnauthorized), http::status::unauthorized);
  EXPECT_EQ(status_for(ErrorCode::kDenied), http::status::forbidden);
  EXPECT_EQ(status_for(ErrorCode::kUnsupported), http::status::method_not_allowed);
  EXPECT_EQ(status_for(ErrorCode::kTooManyRequests), http::status::too_many_requests);
  EXPECT_EQ(status_for(ErrorCode::kRangeInvalid), http::status::range_not_satisfiable);
  EXPECT_EQ(status_for(ErrorCode::kInternal), http::status::internal_server_error);
}

TEST(ErrorResponse, BodyHasTheSpecShape) {
  auto body =
      nlohmann::json::parse(error_body({ErrorCode::kBlobUnknown, "blob unknown", "sha256:x"}));
  ASSERT_EQ(body["errors"].size(), 1u);
  EXPECT_EQ(body["errors"][0]["code"], "BLOB_UNKNOWN");
  EXPECT_EQ(body["errors"][0]["message"], "blob unknown");
  EXPECT_EQ(body["errors"][0]["detail"], "sha256:x");
}

TEST(ErrorResponse, EmptyDetailIsNull) {
  auto body = nlohmann::json::parse(error_body({ErrorCode::kNameInvalid, "bad"}));
  EXPECT_TRUE(body["errors"][0]["detail"].is_null());
}

TEST(ErrorResponse, InvalidUtf8IsReplaced) {
  auto body = error_body({ErrorCode::kNameInvalid, "bad", std::string("\xff\xfe", 2)});
  EXPECT_TRUE(nlohmann::json::accept(body));
}

}  // namespace
}  // namespace server
