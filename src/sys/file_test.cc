#include "sys/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <string_view>

#include "testsupport/temp_dir.h"

namespace sys {
namespace {

std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span(text));
}

TEST(File, OpensWithCloseOnExec) {
  testsupport::TempDir dir;
  auto fd = open_file(dir.path() / "a", O_WRONLY | O_CREAT);
  ASSERT_TRUE(fd) << fd.error().message;
  EXPECT_NE(::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST(File, MissingFileIsNotFound) {
  testsupport::TempDir dir;
  auto fd = open_file(dir.path() / "missing", O_RDONLY);
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().code, Errc::kNotFound);
  EXPECT_NE(fd.error().message.find("missing"), std::string::npos);
}

TEST(File, PathThroughAFileIsNotFound) {
  testsupport::TempDir dir;
  ASSERT_TRUE(open_file(dir.path() / "file", O_WRONLY | O_CREAT));
  auto fd = open_file(dir.path() / "file" / "below", O_RDONLY);
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().code, Errc::kNotFound);
}

TEST(File, WritesReadsTruncatesAndSeeks) {
  testsupport::TempDir dir;
  const auto path = dir.path() / "a";
  auto fd = open_file(path, O_RDWR | O_CREAT);
  ASSERT_TRUE(fd);
  ASSERT_TRUE(write_all(fd->get(), bytes_of("hello world"), path));
  ASSERT_TRUE(sync_file(fd->get(), path));
  EXPECT_EQ(regular_file_size(fd->get(), path).value(), 11u);
  ASSERT_TRUE(truncate_file(fd->get(), 5, path));
  ASSERT_TRUE(seek_to(fd->get(), 1, path));
  std::string text(16, '\0');
  auto n = read_some(fd->get(), std::as_writable_bytes(std::span(text)), path);
  ASSERT_TRUE(n);
  EXPECT_EQ(text.substr(0, *n), "ello");
}

TEST(File, DirectoryIsNotARegularFile) {
  testsupport::TempDir dir;
  auto fd = open_file(dir.path(), O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(fd);
  auto size = regular_file_size(fd->get(), dir.path());
  ASSERT_FALSE(size);
  EXPECT_EQ(size.error().code, Errc::kNotFound);
}

TEST(File, FailedFsyncIsAnIoError) {
  // fsync of a pipe fails (EINVAL): the one failure of fsync a test can provoke.
  int pipe_ends[2];
  ASSERT_EQ(::pipe(pipe_ends), 0);
  UniqueFd read_end(pipe_ends[0]), write_end(pipe_ends[1]);
  auto synced = sync_file(write_end.get(), "pipe");
  ASSERT_FALSE(synced);
  EXPECT_EQ(synced.error().code, Errc::kIo);
  EXPECT_NE(synced.error().message.find("fsync pipe"), std::string::npos);
}

TEST(File, WriteToAReadOnlyDescriptorFails) {
  testsupport::TempDir dir;
  const auto path = dir.path() / "a";
  ASSERT_TRUE(open_file(path, O_WRONLY | O_CREAT));
  auto fd = open_file(path, O_RDONLY);
  ASSERT_TRUE(fd);
  auto written = write_all(fd->get(), bytes_of("x"), path);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, Errc::kIo);
}

TEST(File, RenameDurablyReplacesTheTarget) {
  testsupport::TempDir dir;
  ASSERT_TRUE(std::filesystem::create_directory(dir.path() / "sub"));
  auto fd = open_file(dir.path() / "from", O_WRONLY | O_CREAT);
  ASSERT_TRUE(fd);
  ASSERT_TRUE(write_all(fd->get(), bytes_of("new"), dir.path() / "from"));
  ASSERT_TRUE(open_file(dir.path() / "sub" / "to", O_WRONLY | O_CREAT));
  ASSERT_TRUE(rename_durably(dir.path() / "from", dir.path() / "sub" / "to"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "from"));
  EXPECT_EQ(std::filesystem::file_size(dir.path() / "sub" / "to"), 3u);
}

TEST(File, RenameOfAMissingFileIsNotFound) {
  testsupport::TempDir dir;
  auto renamed = rename_durably(dir.path() / "missing", dir.path() / "to");
  ASSERT_FALSE(renamed);
  EXPECT_EQ(renamed.error().code, Errc::kNotFound);
}

TEST(File, RenameOverADirectoryFails) {
  testsupport::TempDir dir;
  ASSERT_TRUE(open_file(dir.path() / "from", O_WRONLY | O_CREAT));
  ASSERT_TRUE(std::filesystem::create_directories(dir.path() / "to" / "inside"));
  auto renamed = rename_durably(dir.path() / "from", dir.path() / "to");
  ASSERT_FALSE(renamed);
  EXPECT_EQ(renamed.error().code, Errc::kIo);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "from"));
}

}  // namespace
}  // namespace sys
