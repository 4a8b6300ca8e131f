#include "metadata/pg_connection.h"

#include <gtest/gtest.h>

namespace metadata::postgres {
namespace {

TEST(Redacted, HidesThePassword) {
  EXPECT_EQ(redacted("postgresql://app:s3cret@db.example:5432/registry"),
            "postgresql://app:***@db.example:5432/registry");
  EXPECT_EQ(redacted("postgres://app:s3cret@db/registry?sslmode=require&password=other"),
            "postgres://app:***@db/registry");
}

TEST(Redacted, KeepsAUrlWithoutPassword) {
  EXPECT_EQ(redacted("postgresql://app@db:5432/registry"), "postgresql://app@db:5432/registry");
  EXPECT_EQ(redacted("postgresql://db/registry?password=x"), "postgresql://db/registry");
}

TEST(Redacted, ShowsNothingOfAConnectionString) {
  EXPECT_EQ(redacted("host=db password=s3cret"), "the configured database");
}

}  // namespace
}  // namespace metadata::postgres
