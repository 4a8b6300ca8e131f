#include "verify/error_status.h"

#include <gtest/gtest.h>

#include "client/http_transport.h"

namespace verify {
namespace {

oci::Error transport(client::FailureKind kind) {
  return oci::Error{oci::ErrorCode::kInternal,
                    std::string(client::failure_marker(kind)) + "GET https://h/v2/: curl says no"};
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

TEST(ErrorStatus, ARegistrysErrorTextIsNotATransportFailure) {
  // A 502 whose body relays an upstream's words: the registry answered, so not UNREACHABLE.
  const oci::Error relayed{oci::ErrorCode::kInternal,
                           "GET https://h/v2/a/manifests/v1: HTTP 502: UNKNOWN: cannot connect: "
                           "upstream refused"};
  EXPECT_EQ(status_of(relayed), Status::kError);
  const oci::Error tls{oci::ErrorCode::kInternal, "GET https://h/v2/: HTTP 500: TLS failure: x"};
  EXPECT_EQ(status_of(tls), Status::kError);
}

TEST(ErrorStatus, NamesEveryStatus) {
  EXPECT_EQ(status_name(Status::kOk), "OK");
  EXPECT_EQ(status_name(Status::kUnsigned), "UNSIGNED");
  EXPECT_EQ(status_name(Status::kUnreachable), "UNREACHABLE");
}

}  // namespace
}  // namespace verify
