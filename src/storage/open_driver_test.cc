#include "storage/open_driver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace storage {
namespace {

namespace fs = std::filesystem;

TEST(OpenDriver, WithoutS3ItIsTheFilesystemUnderTheRoot) {
  const fs::path root =
      fs::path(testing::TempDir()) / ("regmirror-open-driver-" + std::to_string(::getpid()));
  auto driver = open_driver(StorageOptions{root, std::nullopt, {}});
  ASSERT_TRUE(driver) << driver.error().message;
  ASSERT_TRUE((*driver)->put_content("dir/file", "bytes"));
  EXPECT_TRUE(fs::is_regular_file(root / "dir" / "file"));
  fs::remove_all(root);
}

TEST(OpenDriver, RefusesS3OptionsThatCannotWork) {
  S3Options small_parts;
  small_parts.bucket = "b";
  small_parts.part_size = 1 << 20;
  auto driver = open_driver(StorageOptions{"unused", small_parts, {}});
  ASSERT_FALSE(driver);
  EXPECT_EQ(driver.error().code, sys::Errc::kInvalid);

  S3Options no_bucket;
  EXPECT_FALSE(open_driver(StorageOptions{"unused", no_bucket, {}}));
  S3Options bad_endpoint;
  bad_endpoint.bucket = "b";
  bad_endpoint.endpoint = "ftp://store";
  auto refused = open_driver(StorageOptions{"unused", bad_endpoint, {}});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("ftp://store"), std::string::npos);
}

}  // namespace
}  // namespace storage
