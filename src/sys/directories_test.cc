#include "sys/directories.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "sys/file.h"
#include "testsupport/temp_dir.h"
#include "testsupport/unprivileged.h"

namespace sys {
namespace {

namespace fs = std::filesystem;

TEST(Directories, CreatesEveryMissingLevel) {
  testsupport::TempDir dir;
  ASSERT_TRUE(sys::create_directories(dir.path() / "a" / "b" / "c"));
  EXPECT_TRUE(fs::is_directory(dir.path() / "a" / "b" / "c"));
  // Again, and with a trailing separator: nothing to do.
  EXPECT_TRUE(sys::create_directories(dir.path() / "a" / "b" / "c"));
  EXPECT_TRUE(sys::create_directories((dir.path() / "a" / "b").string() + "/"));
}

TEST(Directories, PrivateDirectoriesAreOwnerOnly) {
  testsupport::TempDir dir;
  ::umask(022);
  ASSERT_TRUE(create_private_directories(dir.path() / "state" / "regmirror"));
  for (const fs::path& created : {dir.path() / "state", dir.path() / "state" / "regmirror"}) {
    struct stat info {};
    ASSERT_EQ(::stat(created.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u) << created;
  }
  // An existing directory keeps its mode.
  struct stat info {};
  ASSERT_EQ(::stat(dir.path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0755u);
}

TEST(Directories, AFileInTheWayIsAnIoError) {
  testsupport::TempDir dir;
  ASSERT_TRUE(open_file(dir.path() / "file", O_WRONLY | O_CREAT));
  for (const fs::path& wanted : {dir.path() / "file", dir.path() / "file" / "below"}) {
    auto created = sys::create_directories(wanted);
    ASSERT_FALSE(created) << wanted;
    EXPECT_EQ(created.error().code, Errc::kIo) << wanted;
    EXPECT_NE(created.error().message.find("mkdir"), std::string::npos);
  }
}

TEST(Directories, ReadOnlyParentIsAnIoError) {
  testsupport::TempDir dir;
  ASSERT_TRUE(sys::create_directories(dir.path() / "ro"));
  fs::permissions(dir.path() / "ro", fs::perms::owner_read | fs::perms::owner_exec |
                                         fs::perms::group_read | fs::perms::group_exec |
                                         fs::perms::others_read | fs::perms::others_exec);
  const int refused = testsupport::run_unprivileged([&] {
    auto created = sys::create_directories(dir.path() / "ro" / "x" / "y");
    return !created && created.error().code == Errc::kIo &&
           created.error().message.find("Permission denied") != std::string::npos;
  });
  EXPECT_EQ(refused, 1);
  EXPECT_FALSE(fs::exists(dir.path() / "ro" / "x"));
}

TEST(Directories, TemporaryDirectoriesAreNewAndPrivate) {
  testsupport::TempDir dir;
  auto first = create_temporary_directory(dir.path(), "scratch-");
  auto second = create_temporary_directory(dir.path(), "scratch-");
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, *second);
  EXPECT_TRUE(first->filename().string().starts_with("scratch-"));
  struct stat info {};
  ASSERT_EQ(::stat(first->c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  auto missing = create_temporary_directory(dir.path() / "missing", "x-");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
}

}  // namespace
}  // namespace sys
