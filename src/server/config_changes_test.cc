#include "server/config_changes.h"

#include <gtest/gtest.h>

namespace server {
namespace {

using Keys = std::vector<std::string>;

TEST(ChangedConfigKeys, SameValuesAreNoChange) {
  EXPECT_EQ(changed_config_keys("listen: ':5000'\nlog: {level: info}\n",
                                "log:\n  level: info\nlisten: \":5000\"\n")
                .value(),
            Keys{});
}

TEST(ChangedConfigKeys, NamesEachChangedLeaf) {
  EXPECT_EQ(changed_config_keys("listen: ':5000'\nstorage: {root: /a, s3: {bucket: x}}\n",
                                "listen: ':5001'\nstorage: {root: /a, s3: {bucket: y}}\n")
                .value(),
            (Keys{"listen", "storage.s3.bucket"}));
}

TEST(ChangedConfigKeys, AKeySetInOneFileOnlyIsAChange) {
  EXPECT_EQ(changed_config_keys("log: {level: info}\n", "read_only: true\n").value(),
            (Keys{"log.level", "read_only"}));
  EXPECT_EQ(changed_config_keys("", "database: {url: postgres://x}\n").value(),
            Keys{"database.url"});
}

TEST(ChangedConfigKeys, AListIsOneValue) {
  EXPECT_EQ(changed_config_keys("auth:\n  access:\n    - {repositories: a, actions: pull}\n",
                                "auth:\n  access:\n    - {repositories: b, actions: pull}\n")
                .value(),
            Keys{"auth.access"});
}

TEST(ChangedConfigKeys, ASyntaxErrorIsAnError) {
  EXPECT_FALSE(changed_config_keys("listen: ':5000'\n", "listen: [\n"));
}

TEST(ReloadsOnSighup, TheLogLevelAndTheAccessRules) {
  for (const char* key :
       {"log.level", "auth.access", "auth.anonymous_pull", "auth.groups.ci", "auth.admins"}) {
    EXPECT_TRUE(reloads_on_sighup(key)) << key;
  }
  for (const char* key : {"listen", "storage.root", "database.url", "log.access", "auth.htpasswd",
                          "auth.accessible", "tls.cert", "mirror.upstreams"}) {
    EXPECT_FALSE(reloads_on_sighup(key)) << key;
  }
}

}  // namespace
}  // namespace server
