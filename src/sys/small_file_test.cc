#include "sys/small_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "sys/atomic_file.h"
#include "testsupport/temp_dir.h"
#include "testsupport/unprivileged.h"

namespace sys {
namespace {

TEST(SmallFile, ReadsUpToTheLimit) {
  testsupport::TempDir dir;
  ASSERT_TRUE(write_file_atomically(dir.path() / "f", "12345"));
  EXPECT_EQ(read_small_file(dir.path() / "f", 5).value(), "12345");
  ASSERT_TRUE(write_file_atomically(dir.path() / "empty", ""));
  EXPECT_EQ(read_small_file(dir.path() / "empty", 0).value(), "");
}

TEST(SmallFile, LargerThanTheLimitIsTooLarge) {
  testsupport::TempDir dir;
  ASSERT_TRUE(write_file_atomically(dir.path() / "f", "123456"));
  auto read = read_small_file(dir.path() / "f", 5);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, Errc::kTooLarge);
}

TEST(SmallFile, MissingFileOrDirectoryIsNotFound) {
  testsupport::TempDir dir;
  EXPECT_EQ(read_small_file(dir.path() / "missing", 5).error().code, Errc::kNotFound);
  EXPECT_EQ(read_small_file(dir.path(), 5).error().code, Errc::kNotFound);
}

// Opening a FIFO for reading would wait for a writer; it is refused at once instead.
TEST(SmallFile, FifoIsNotFoundWithoutWaitingForAWriter) {
  testsupport::TempDir dir;
  const auto path = dir.path() / "fifo";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  EXPECT_EQ(read_small_file(path, 5).error().code, Errc::kNotFound);
}

TEST(SmallFile, UnreadableFileIsAnIoError) {
  testsupport::TempDir dir;
  const auto path = dir.path() / "secret";
  ASSERT_TRUE(write_file_atomically(path, "x", 0600));
  const int refused = testsupport::run_unprivileged([&] {
    auto read = read_small_file(path, 5);
    return !read && read.error().code == Errc::kIo;
  });
  EXPECT_EQ(refused, 1);
}

}  // namespace
}  // namespace sys
