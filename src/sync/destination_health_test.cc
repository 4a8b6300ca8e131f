#include "sync/destination_health.h"

#include <gtest/gtest.h>

namespace imagesync {
namespace {

const oci::Error kRefused{oci::ErrorCode::kInternal, "connection refused"};
const oci::Error kUnknown{oci::ErrorCode::kManifestUnknown, "manifest unknown"};

TEST(DestinationHealth, DownAfterTwoTransportFailuresInARow) {
  DestinationHealth health;
  EXPECT_FALSE(health.record(&kRefused));
  EXPECT_FALSE(health.down());
  EXPECT_TRUE(health.record(&kRefused));  // the one that marks it
  EXPECT_TRUE(health.down());
  EXPECT_EQ(health.down_reason(), "2 transport failures in a row, the last: connection refused");
  EXPECT_FALSE(health.record(&kRefused));  // marked once
  EXPECT_FALSE(health.record(nullptr));    // and it stays down
  EXPECT_TRUE(health.down());
}

TEST(DestinationHealth, AnyAnswerStartsTheCountAgain) {
  DestinationHealth health;
  EXPECT_FALSE(health.record(&kRefused));
  EXPECT_FALSE(health.record(nullptr));
  EXPECT_FALSE(health.record(&kRefused));
  EXPECT_FALSE(health.record(&kUnknown));  // an error the registry answered with
  EXPECT_FALSE(health.record(&kRefused));
  EXPECT_FALSE(health.down());
  EXPECT_EQ(health.down_reason(), std::nullopt);
}

}  // namespace
}  // namespace imagesync
