#include "server/database_config.h"

#include <gtest/gtest.h>

namespace server {
namespace {

using namespace std::chrono_literals;

oci::Result<metadata::DatabaseOptions> read(const std::string& yaml) {
  metadata::DatabaseOptions options;
  if (auto ok = read_database_config(YAML::Load(yaml), options); !ok) {
    return std::unexpected(ok.error());
  }
  return options;
}

std::string error_of(const std::string& yaml) {
  auto options = read(yaml);
  EXPECT_FALSE(options) << yaml;
  return options ? "" : options.error().message;
}

TEST(DatabaseConfig, ReadsEveryKey) {
  auto options = read(
      "url: postgresql://app:pw@db.example:5432/registry\n"
      "pool_size: 32\n"
      "connect_timeout: 2s\n");
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->url, "postgresql://app:pw@db.example:5432/registry");
  EXPECT_EQ(options->pool_size, 32u);
  EXPECT_EQ(options->connect_timeout, 2000ms);
}

TEST(DatabaseConfig, KeepsTheDefaultsOfKeysLeftOut) {
  auto options = read("url: postgres://db/registry\n");
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->pool_size, 8u);
  EXPECT_EQ(options->connect_timeout, 5000ms);
}

TEST(DatabaseConfig, BadValuesNameTheirKey) {
  EXPECT_EQ(error_of("url: mysql://app:s3cret@db/registry"),
            "config: database.url must start with postgresql:// or postgres://");
  EXPECT_NE(error_of("url: [a]").find("database.url"), std::string::npos);
  for (const char* bad : {"0", "-1", "many", "2.5", "1001"}) {
    EXPECT_NE(error_of(std::string("pool_size: ") + bad).find("database.pool_size"),
              std::string::npos)
        << bad;
  }
  EXPECT_NE(error_of("connect_timeout: soon").find("database.connect_timeout"), std::string::npos);
  EXPECT_NE(error_of("connect_timeout: 0s").find("database.connect_timeout"), std::string::npos);
  EXPECT_EQ(error_of("host: db"), "config: unknown key database.host");
  EXPECT_EQ(error_of("postgresql://db"), "config: database must be a mapping");
}

}  // namespace
}  // namespace server
