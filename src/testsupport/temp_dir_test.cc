#include "testsupport/temp_dir.h"

#include <gtest/gtest.h>

#include <fstream>

namespace testsupport {
namespace {

TEST(TempDir, IsFreshAndRemovedWithItsContents) {
  std::filesystem::path kept;
  {
    TempDir a;
    TempDir b;
    EXPECT_NE(a.path(), b.path());
    ASSERT_TRUE(std::filesystem::is_directory(a.path()));
    EXPECT_TRUE(std::filesystem::is_empty(a.path()));
    EXPECT_EQ(a / "x", a.path() / "x");
    std::filesystem::create_directories(a / "sub");
    std::ofstream(a / "sub" / "file") << "data";
    kept = a.path();
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

}  // namespace
}  // namespace testsupport
