#include "sys/space.h"

#include <gtest/gtest.h>

#include "testsupport/temp_dir.h"

namespace sys {
namespace {

TEST(Space, ReportsWhatStatfsSays) {
  testsupport::TempDir dir;
  auto space = free_space(dir.path());
  ASSERT_TRUE(space) << space.error().message;
  const auto expected = std::filesystem::space(dir.path()).available;
  // Another process may write in between: close, not equal.
  EXPECT_NEAR(static_cast<double>(*space), static_cast<double>(expected), 64.0 * 1024 * 1024);
}

TEST(Space, MissingPathIsNotFound) {
  testsupport::TempDir dir;
  auto space = free_space(dir.path() / "missing");
  ASSERT_FALSE(space);
  EXPECT_EQ(space.error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace sys
