#include "metadata/open_store.h"

#include <gtest/gtest.h>

#include "testsupport/temp_dir.h"

namespace metadata {
namespace {

TEST(OpenStore, NoUrlIsSqliteUnderTheStorageRoot) {
  testsupport::TempDir root;
  auto store = open_store({}, root.path(), {});
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_TRUE(std::filesystem::exists(root / "metadata.sqlite"));
}

TEST(OpenStore, AnotherSchemeIsRefusedWithoutItsPassword) {
  testsupport::TempDir root;
  auto store = open_store({.url = "mysql://app:s3cret@db/registry"}, root.path(), {});
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("database.url"), std::string::npos);
  EXPECT_EQ(store.error().message.find("s3cret"), std::string::npos) << store.error().message;
}

TEST(OpenStore, KnowsBothPostgresSchemes) {
  EXPECT_TRUE(is_postgres_url("postgresql://db/registry"));
  EXPECT_TRUE(is_postgres_url("postgres://db/registry"));
  EXPECT_FALSE(is_postgres_url("sqlite:///var/lib/regmirror"));
}

}  // namespace
}  // namespace metadata
