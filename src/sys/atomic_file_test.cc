#include "sys/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <string>

#include "testsupport/temp_dir.h"
#include "testsupport/unprivileged.h"

namespace sys {
namespace {

namespace fs = std::filesystem;

std::string contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::size_t entries(const fs::path& directory) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(directory), fs::directory_iterator()));
}

TEST(AtomicFile, ReplacesTheTargetAndLeavesNoTemporary) {
  testsupport::TempDir dir;
  const auto path = dir.path() / "index.json";
  ASSERT_TRUE(write_file_atomically(path, "old"));
  ASSERT_TRUE(write_file_atomically(path, "new content"));
  EXPECT_EQ(contents(path), "new content");
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(AtomicFile, AppliesTheMode) {
  testsupport::TempDir dir;
  ::umask(022);
  ASSERT_TRUE(write_file_atomically(dir.path() / "auth.json", "{}", 0600));
  struct stat info {};
  ASSERT_EQ(::stat((dir.path() / "auth.json").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(AtomicFile, DroppedWithoutCommitLeavesTheTargetAlone) {
  testsupport::TempDir dir;
  const auto path = dir.path() / "f";
  ASSERT_TRUE(write_file_atomically(path, "kept"));
  {
    auto file = AtomicFile::create(path);
    ASSERT_TRUE(file);
    EXPECT_TRUE(file->temporary_path().filename().string().starts_with(".tmp~"));
    auto moved = std::move(*file);  // a moved-from file removes nothing
    EXPECT_TRUE(fs::exists(moved.temporary_path()));
  }
  EXPECT_EQ(contents(path), "kept");
  EXPECT_EQ(entries(dir.path()), 1u);
}

TEST(AtomicFile, MissingDirectoryIsNotFound) {
  testsupport::TempDir dir;
  auto written = write_file_atomically(dir.path() / "missing" / "f", "x");
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, Errc::kNotFound);
}

TEST(AtomicFile, FailedRenameRemovesTheTemporary) {
  testsupport::TempDir dir;
  // The target exists as a non-empty directory: rename(2) refuses to replace it.
  ASSERT_TRUE(fs::create_directories(dir.path() / "target" / "inside"));
  auto written = write_file_atomically(dir.path() / "target", "x");
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, Errc::kIo);
  EXPECT_NE(written.error().message.find("rename"), std::string::npos);
  EXPECT_EQ(entries(dir.path()), 1u);
  EXPECT_TRUE(fs::is_directory(dir.path() / "target" / "inside"));
}

TEST(AtomicFile, SecondCommitFails) {
  testsupport::TempDir dir;
  auto file = AtomicFile::create(dir.path() / "f");
  ASSERT_TRUE(file);
  ASSERT_TRUE(file->commit());
  auto again = file->commit();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kIo);
  EXPECT_TRUE(fs::exists(dir.path() / "f"));
}

TEST(AtomicFile, ReadOnlyDirectoryIsAnIoError) {
  testsupport::TempDir dir;
  fs::create_directory(dir.path() / "ro");
  ASSERT_TRUE(write_file_atomically(dir.path() / "ro" / "f", "old"));
  fs::permissions(dir.path() / "ro",
                  fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
  const int refused = testsupport::run_unprivileged([&] {
    auto written = write_file_atomically(dir.path() / "ro" / "f", "new");
    return !written && written.error().code == Errc::kIo;
  });
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(contents(dir.path() / "ro" / "f"), "old");
  EXPECT_EQ(entries(dir.path() / "ro"), 1u);
}

}  // namespace
}  // namespace sys
