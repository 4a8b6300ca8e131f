#include "verify/error_status.h"

#include <gtest/gtest.h>

#include "client/http_transport.h"

namespace verify {
namespace {

oci::Error transport(client::FailureKind kind) {
  return oci::Error{oci::ErrorCode::kInternal, std::string("GET https://h/v2/: ") +
                                                   std::string(client::failure_marker(kind)) +
                                                   "curl says no"};
}

TEST(ErrorStatus, ClassifiesRegistryAnswers) {
  EXPECT_EQ(status_of({oci::ErrorCode::kUnauthorized, "401"}), Status::kDenied);
  EXPECT_EQ(status_of({oci::ErrorCode::kDenied, "403"}), Status::kDenied);
  EXPECT_EQ(status_of({oci::ErrorCode::kManifestUnknown, "x"}), Status::kMissing);
  EXPECT_EQ(status_of({oci::ErrorCode::kNotFound, "404"}), Status::kMissing);
  EXPECT_EQ(status_of({oci::ErrorCode::kTooManyRequests, "429"}), Status::kError);
}

TEST(ErrorStatus, ClassifiesTransportFailures) {
  EXPECT_EQ(status_of(transport(client::FailureKind::kTls)), Status::kUntrusted);
  EXPECT_EQ(status_of(transport(client::FailureKind::kConnect)), Status::kUnreachable);
  EXPECT_EQ(status_of(transport(client::FailureKind::kTransfer)), Status::kError);
}

TEST(ErrorStatus, NamesEveryStatus) {
  EXPECT_EQ(status_name(Status::kOk), "OK");
  EXPECT_EQ(status_name(Status::kUnsigned), "UNSIGNED");
  EXPECT_EQ(status_name(Status::kUnreachable), "UNREACHABLE");
}

}  // namespace
}  // namespace verify
