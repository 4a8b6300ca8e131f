#include "openshift/mco_release.h"

#include <gtest/gtest.h>

namespace openshift {
namespace {

TEST(McoRelease, LayoutsByRelease) {
  const McoRelease old = *parse_mco_release("4.16");
  EXPECT_FALSE(old.indents_policy_json());
  EXPECT_FALSE(old.writes_layer_store_auth_helper());
  const McoRelease middle = *parse_mco_release("4.18");
  EXPECT_TRUE(middle.indents_policy_json());
  EXPECT_FALSE(middle.writes_layer_store_auth_helper());
  EXPECT_TRUE(parse_mco_release("4.19")->writes_layer_store_auth_helper());
  EXPECT_TRUE(parse_mco_release("5.0")->writes_layer_store_auth_helper());
}

TEST(McoRelease, RejectsMalformed) {
  for (const char* text : {"", "4", "4.", ".16", "4.16.1", "3.11", "x.y", "4.-1", "4.1000",
                           "99999999999.1", "4 .16"}) {
    EXPECT_FALSE(parse_mco_release(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace openshift
