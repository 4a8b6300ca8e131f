#include "storage/driver_conformance.h"

#include <unistd.h>

#include <array>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace storage {

namespace {

using sys::Errc;

template <class T>
testing::AssertionResult ok(const Result<T>& result) {
  if (result) return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << sys::describe(result.error().code) << ": " << result.error().message;
}

template <class T>
testing::AssertionResult fails_with(const Result<T>& result, Errc expected) {
  if (result)
    return testing::AssertionFailure() << "succeeded, expected " << sys::describe(expected);
  if (result.error().code == expected) return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << "failed with " << sys::describe(result.error().code) << " (" << result.error().message
         << "), expected " << sys::describe(expected);
}

std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span(text));
}

// Deterministic bytes that differ between seeds and do not repeat with a short period.
std::string pattern(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (char& byte : bytes) byte = static_cast<char>(generator());
  return bytes;
}

std::string read_all(Reader& reader, std::size_t chunk_size = 4096) {
  std::string content;
  std::vector<std::byte> chunk(chunk_size);
  while (true) {
    auto n = reader.read(chunk);
    EXPECT_TRUE(ok(n));
    if (!n || *n == 0) return content;
    content.append(reinterpret_cast<const char*>(chunk.data()), *n);
  }
}

// Writes `content` through a new writer, after the first `keep` bytes, and commits it.
testing::AssertionResult write_file(Driver& driver, std::string_view path, std::string_view content,
                                    std::uint64_t keep = 0) {
  auto writer = driver.writer(path, keep);
  if (!writer) return ok(writer);
  if (auto written = (*writer)->write(bytes_of(content)); !written) return ok(written);
  return ok((*writer)->commit());
}

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_P(DriverConformance, PutContentThenGetContent) {
  ASSERT_TRUE(ok(driver_->put_content("a/b/c.json", "{\"k\": 1}")));
  auto content = driver_->get_content("a/b/c.json", 1024);
  ASSERT_TRUE(ok(content));
  EXPECT_EQ(*content, "{\"k\": 1}");
}

TEST_P(DriverConformance, PutContentReplacesExistingContent) {
  ASSERT_TRUE(ok(driver_->put_content("file", "a longer first version")));
  ASSERT_TRUE(ok(driver_->put_content("file", "second")));
  auto content = driver_->get_content("file", 1024);
  ASSERT_TRUE(ok(content));
  EXPECT_EQ(*content, "second");
}

TEST_P(DriverConformance, PutContentStoresEmptyContent) {
  ASSERT_TRUE(ok(driver_->put_content("empty", "")));
  auto info = driver_->stat("empty");
  ASSERT_TRUE(ok(info));
  EXPECT_EQ(info->size, 0u);
  auto content = driver_->get_content("empty", 0);
  ASSERT_TRUE(ok(content));
  EXPECT_EQ(*content, "");
}

TEST_P(DriverConformance, StatReportsSizeAndModificationTime) {
  const std::int64_t before = now_unix();
  ASSERT_TRUE(ok(driver_->put_content("dir/file", "12345")));
  const std::int64_t after = now_unix();
  auto info = driver_->stat("dir/file");
  ASSERT_TRUE(ok(info));
  EXPECT_EQ(info->size, 5u);
  EXPECT_GE(info->modified_unix, before - 1);
  EXPECT_LE(info->modified_unix, after + 1);
}

TEST_P(DriverConformance, MissingPathsAreNotFound) {
  EXPECT_TRUE(fails_with(driver_->stat("missing"), Errc::kNotFound));
  EXPECT_TRUE(fails_with(driver_->reader("missing", 0), Errc::kNotFound));
  EXPECT_TRUE(fails_with(driver_->get_content("missing", 1024), Errc::kNotFound));
  EXPECT_TRUE(fails_with(driver_->move("missing", "elsewhere"), Errc::kNotFound));
  EXPECT_TRUE(fails_with(driver_->stat("elsewhere"), Errc::kNotFound));
  EXPECT_TRUE(fails_with(driver_->stat("missing/below/file"), Errc::kNotFound));
}

TEST_P(DriverConformance, DirectoriesAreNotFiles) {
  ASSERT_TRUE(ok(driver_->put_content("dir/file", "x")));
  EXPECT_TRUE(fails_with(driver_->stat("dir"), Errc::kNotFound));
  EXPECT_TRUE(fails_with(driver_->reader("dir", 0), Errc::kNotFound));
  EXPECT_TRUE(fails_with(driver_->get_content("dir", 1024), Errc::kNotFound));
}

TEST_P(DriverConformance, GetContentEnforcesMaxSize) {
  ASSERT_TRUE(ok(driver_->put_content("file", "0123456789")));
  EXPECT_TRUE(ok(driver_->get_content("file", 10)));
  EXPECT_TRUE(fails_with(driver_->get_content("file", 9), Errc::kTooLarge));
  EXPECT_TRUE(fails_with(driver_->get_content("file", 0), Errc::kTooLarge));
}

TEST_P(DriverConformance, WriterCreatesFileWithParents) {
  auto writer = driver_->writer("uploads/u1/data", 0);
  ASSERT_TRUE(ok(writer));
  EXPECT_EQ((*writer)->size(), 0u);
  ASSERT_TRUE(ok((*writer)->write(bytes_of("hello"))));
  ASSERT_TRUE(ok((*writer)->write(bytes_of(", world"))));
  EXPECT_EQ((*writer)->size(), 12u);
  ASSERT_TRUE(ok((*writer)->commit()));
  auto content = driver_->get_content("uploads/u1/data", 1024);
  ASSERT_TRUE(ok(content));
  EXPECT_EQ(*content, "hello, world");
}

TEST_P(DriverConformance, WriterKeepingNothingTruncates) {
  ASSERT_TRUE(ok(driver_->put_content("file", "old content")));
  auto writer = driver_->writer("file", 0);
  ASSERT_TRUE(ok(writer));
  EXPECT_EQ((*writer)->size(), 0u);
  ASSERT_TRUE(ok((*writer)->write(bytes_of("new"))));
  ASSERT_TRUE(ok((*writer)->commit()));
  auto content = driver_->get_content("file", 1024);
  ASSERT_TRUE(ok(content));
  EXPECT_EQ(*content, "new");
}

TEST_P(DriverConformance, WriterResumesAcrossInstances) {
  ASSERT_TRUE(write_file(*driver_, "upload", "first chunk;"));
  auto second = driver_->writer("upload", 12);
  ASSERT_TRUE(ok(second));
  EXPECT_EQ((*second)->size(), 12u);
  ASSERT_TRUE(ok((*second)->write(bytes_of("second chunk;"))));
  EXPECT_EQ((*second)->size(), 25u);
  ASSERT_TRUE(ok((*second)->commit()));
  ASSERT_TRUE(write_file(*driver_, "upload", "third", 25));

  auto content = driver_->get_content("upload", 1024);
  ASSERT_TRUE(ok(content));
  EXPECT_EQ(*content, "first chunk;second chunk;third");
}

TEST_P(DriverConformance, WriterDropsBytesPastTheKeptOnes) {
  // As after a crash between a write and the record of the upload's size.
  ASSERT_TRUE(write_file(*driver_, "upload", "recorded;unrecorded tail"));
  auto writer = driver_->writer("upload", 9);
  ASSERT_TRUE(ok(writer));
  EXPECT_EQ((*writer)->size(), 9u);
  ASSERT_TRUE(ok((*writer)->write(bytes_of("next"))));
  ASSERT_TRUE(ok((*writer)->commit()));
  auto content = driver_->get_content("upload", 1024);
  ASSERT_TRUE(ok(content));
  EXPECT_EQ(*content, "recorded;next");
}

TEST_P(DriverConformance, WriterRefusesToKeepMoreThanTheFileHolds) {
  ASSERT_TRUE(write_file(*driver_, "upload", "abc"));
  EXPECT_TRUE(fails_with(driver_->writer("upload", 4), Errc::kInvalidRange));
  EXPECT_TRUE(fails_with(driver_->writer("missing", 1), Errc::kInvalidRange));
  auto content = driver_->get_content("upload", 1024);
  ASSERT_TRUE(ok(content));
  EXPECT_EQ(*content, "abc");
}

TEST_P(DriverConformance, WriterDroppedWithoutCommitKeepsBytes) {
  {
    auto writer = driver_->writer("file", 0);
    ASSERT_TRUE(ok(writer));
    ASSERT_TRUE(ok((*writer)->write(bytes_of("kept"))));
  }
  auto content = driver_->get_content("file", 1024);
  ASSERT_TRUE(ok(content));
  EXPECT_EQ(*content, "kept");
}

TEST_P(DriverConformance, ReadableWhileWritingMeansBeforeCommit) {
  if (!readable_while_writing(*driver_)) return;  // an optional capability
  auto writer = driver_->writer("file", 0);
  ASSERT_TRUE(ok(writer));
  ASSERT_TRUE(ok((*writer)->write(bytes_of("early"))));
  auto reader = driver_->reader("file", 1);
  ASSERT_TRUE(ok(reader));
  EXPECT_EQ(read_all(**reader), "arly");
  ASSERT_TRUE(ok((*writer)->write(bytes_of("+"))));
  EXPECT_EQ(read_all(**reader), "+") << "a reader sees bytes written after it was opened";
}

TEST_P(DriverConformance, WriterRefusesUseAfterCommit) {
  auto writer = driver_->writer("file", 0);
  ASSERT_TRUE(ok(writer));
  ASSERT_TRUE(ok((*writer)->commit()));
  EXPECT_FALSE((*writer)->write(bytes_of("late")));
  EXPECT_FALSE((*writer)->commit());
}

TEST_P(DriverConformance, StagedWriteAppearsOnlyWhenPublished) {
  StagedWriteDriver* staged = staged_writes(*driver_);
  if (staged == nullptr) return;  // an optional capability
  ASSERT_TRUE(ok(driver_->put_content("blobs/ab/data", "old")));
  auto writer = staged->staged_writer("blobs/ab/data", std::nullopt);
  ASSERT_TRUE(ok(writer));
  // More than one part of an object store's multipart upload.
  const std::string content = pattern((std::size_t{11} << 20) + 7, 21);
  for (std::size_t at = 0; at < content.size(); at += std::size_t{1} << 20) {
    ASSERT_TRUE(ok((*writer)->write(bytes_of(std::string_view(content).substr(at, 1 << 20)))));
  }
  EXPECT_EQ((*writer)->size(), content.size());
  auto before = driver_->get_content("blobs/ab/data", 1024);
  ASSERT_TRUE(ok(before));
  EXPECT_EQ(*before, "old") << "nothing shows before publish";
  ASSERT_TRUE(ok((*writer)->publish()));
  auto after = driver_->get_content("blobs/ab/data", content.size());
  ASSERT_TRUE(ok(after));
  EXPECT_TRUE(*after == content) << "published " << after->size() << " bytes";
}

TEST_P(DriverConformance, StagedWriteDroppedLeavesNothing) {
  StagedWriteDriver* staged = staged_writes(*driver_);
  if (staged == nullptr) return;  // an optional capability
  {
    auto writer = staged->staged_writer("fresh/data", std::nullopt);
    ASSERT_TRUE(ok(writer));
    ASSERT_TRUE(ok((*writer)->write(bytes_of(pattern(std::size_t{6} << 20, 22)))));
  }
  EXPECT_TRUE(fails_with(driver_->stat("fresh/data"), Errc::kNotFound));
  auto listed = driver_->list("fresh");
  ASSERT_TRUE(ok(listed));
  EXPECT_TRUE(listed->empty());
  EXPECT_TRUE(fails_with(staged->staged_writer("../escape", std::nullopt), Errc::kPathEscape));
}

TEST_P(DriverConformance, StagedWriteOfAnnouncedSize) {
  StagedWriteDriver* staged = staged_writes(*driver_);
  if (staged == nullptr) return;  // an optional capability
  for (const std::size_t size : {std::size_t{1}, std::size_t{7} << 20}) {
    const std::string content = pattern(size, 23);
    const std::string path = "sized/" + std::to_string(size);
    auto writer = staged->staged_writer(path, size);
    ASSERT_TRUE(ok(writer));
    ASSERT_TRUE(ok((*writer)->write(bytes_of(std::string_view(content).substr(0, size - 1)))));
    EXPECT_FALSE((*writer)->publish()) << "one byte short of the size announced";
    EXPECT_FALSE((*writer)->write(bytes_of("xy"))) << "past the size announced";
    EXPECT_TRUE(fails_with(driver_->stat(path), Errc::kNotFound));
    ASSERT_TRUE(ok((*writer)->write(bytes_of(std::string_view(content).substr(size - 1)))));
    EXPECT_TRUE(fails_with(driver_->stat(path), Errc::kNotFound));
    ASSERT_TRUE(ok((*writer)->publish()));
    auto stored = driver_->get_content(path, size);
    ASSERT_TRUE(ok(stored));
    EXPECT_TRUE(*stored == content) << size;
  }
  {
    auto writer = staged->staged_writer("dropped/data", 6 << 20);
    ASSERT_TRUE(ok(writer));
    ASSERT_TRUE(ok((*writer)->write(bytes_of(pattern(std::size_t{5} << 20, 24)))));
  }
  EXPECT_TRUE(fails_with(driver_->stat("dropped/data"), Errc::kNotFound));
}

TEST_P(DriverConformance, ReaderStartsAtOffset) {
  ASSERT_TRUE(ok(driver_->put_content("file", "0123456789")));
  for (std::uint64_t offset : {0, 1, 7, 10}) {
    auto reader = driver_->reader("file", offset);
    ASSERT_TRUE(ok(reader)) << "offset " << offset;
    EXPECT_EQ(read_all(**reader, 3), std::string("0123456789").substr(offset))
        << "offset " << offset;
  }
}

TEST_P(DriverConformance, ReaderRejectsOffsetBeyondEnd) {
  ASSERT_TRUE(ok(driver_->put_content("file", "0123456789")));
  EXPECT_TRUE(fails_with(driver_->reader("file", 11), Errc::kInvalidRange));
}

TEST_P(DriverConformance, FileDescriptorIsPositionedAtOffset) {
  ASSERT_TRUE(ok(driver_->put_content("file", "0123456789")));
  auto reader = driver_->reader("file", 4);
  ASSERT_TRUE(ok(reader));
  const auto fd = file_descriptor(**reader);
  if (!fd) return;  // an optional capability: the backend has no file descriptors
  EXPECT_EQ(::lseek(*fd, 0, SEEK_CUR), 4);
  std::array<char, 16> buffer{};
  ASSERT_EQ(::read(*fd, buffer.data(), buffer.size()), 6);
  EXPECT_EQ(std::string_view(buffer.data(), 6), "456789");
}

TEST_P(DriverConformance, LargeContentStreamsInPieces) {
  constexpr std::size_t kSize = std::size_t{8} << 20;
  const std::string content = pattern(kSize, 1);
  {
    auto writer = driver_->writer("blobs/large", 0);
    ASSERT_TRUE(ok(writer));
    // Uneven pieces, so that no piece boundary lines up with a power of two.
    constexpr std::size_t kPiece = 64 * 1024 + 13;
    for (std::size_t at = 0; at < kSize; at += kPiece) {
      ASSERT_TRUE(ok((*writer)->write(bytes_of(std::string_view(content).substr(at, kPiece)))));
    }
    EXPECT_EQ((*writer)->size(), kSize);
    ASSERT_TRUE(ok((*writer)->commit()));
  }
  auto info = driver_->stat("blobs/large");
  ASSERT_TRUE(ok(info));
  EXPECT_EQ(info->size, kSize);

  auto reader = driver_->reader("blobs/large", 0);
  ASSERT_TRUE(ok(reader));
  EXPECT_TRUE(read_all(**reader, 100'000) == content);

  constexpr std::uint64_t kOffset = 5 * 1024 * 1024 + 7;
  auto tail = driver_->reader("blobs/large", kOffset);
  ASSERT_TRUE(ok(tail));
  EXPECT_TRUE(read_all(**tail, 100'000) == content.substr(kOffset));
}

TEST_P(DriverConformance, MoveRenamesIntoNewDirectory) {
  ASSERT_TRUE(ok(driver_->put_content("uploads/u1/data", "blob bytes")));
  ASSERT_TRUE(ok(driver_->move("uploads/u1/data", "blobs/sha256/ab/abcdef/data")));
  EXPECT_TRUE(fails_with(driver_->stat("uploads/u1/data"), Errc::kNotFound));
  auto content = driver_->get_content("blobs/sha256/ab/abcdef/data", 1024);
  ASSERT_TRUE(ok(content));
  EXPECT_EQ(*content, "blob bytes");
}

TEST_P(DriverConformance, MoveReplacesTarget) {
  ASSERT_TRUE(ok(driver_->put_content("from", "new")));
  ASSERT_TRUE(ok(driver_->put_content("to", "old and longer")));
  ASSERT_TRUE(ok(driver_->move("from", "to")));
  EXPECT_TRUE(fails_with(driver_->stat("from"), Errc::kNotFound));
  auto content = driver_->get_content("to", 1024);
  ASSERT_TRUE(ok(content));
  EXPECT_EQ(*content, "new");
}

TEST_P(DriverConformance, MoveOntoItselfKeepsFile) {
  ASSERT_TRUE(ok(driver_->put_content("file", "same")));
  ASSERT_TRUE(ok(driver_->move("file", "file")));
  auto content = driver_->get_content("file", 1024);
  ASSERT_TRUE(ok(content));
  EXPECT_EQ(*content, "same");
}

TEST_P(DriverConformance, RemoveDeletesFile) {
  ASSERT_TRUE(ok(driver_->put_content("dir/file", "x")));
  ASSERT_TRUE(ok(driver_->remove("dir/file")));
  EXPECT_TRUE(fails_with(driver_->stat("dir/file"), Errc::kNotFound));
}

TEST_P(DriverConformance, RemoveDeletesDirectoryTreeOnly) {
  for (const char* path : {"a/b/c", "a/b/d/e", "a/bc", "a/b-x"}) {
    ASSERT_TRUE(ok(driver_->put_content(path, path)));
  }
  ASSERT_TRUE(ok(driver_->remove("a/b")));
  EXPECT_TRUE(fails_with(driver_->stat("a/b/c"), Errc::kNotFound));
  EXPECT_TRUE(fails_with(driver_->stat("a/b/d/e"), Errc::kNotFound));
  EXPECT_TRUE(ok(driver_->stat("a/bc")));
  EXPECT_TRUE(ok(driver_->stat("a/b-x")));
  auto names = driver_->list("a");
  ASSERT_TRUE(ok(names));
  EXPECT_EQ(*names, (std::vector<std::string>{"b-x", "bc"}));
}

TEST_P(DriverConformance, RemoveOfMissingPathSucceeds) {
  EXPECT_TRUE(ok(driver_->remove("missing")));
  EXPECT_TRUE(ok(driver_->remove("missing/below")));
}

TEST_P(DriverConformance, ListReturnsSortedChildNames) {
  for (const char* path : {"d/b", "d/a", "d/A", "d/a.z", "d/a-b", "d/c/x", "d/c/y", "e/other"}) {
    ASSERT_TRUE(ok(driver_->put_content(path, "x")));
  }
  auto names = driver_->list("d");
  ASSERT_TRUE(ok(names));
  EXPECT_EQ(*names, (std::vector<std::string>{"A", "a", "a-b", "a.z", "b", "c"}));
  auto nested = driver_->list("d/c");
  ASSERT_TRUE(ok(nested));
  EXPECT_EQ(*nested, (std::vector<std::string>{"x", "y"}));
}

TEST_P(DriverConformance, FreeSpaceIsReportedWhenLimited) {
  SpaceLimitedDriver* limit = space_limit(*driver_);
  if (limit == nullptr) return;  // an optional capability: the backend has no limit
  auto before = limit->free_space();
  ASSERT_TRUE(ok(before));
  EXPECT_GT(*before, 0u);
  ASSERT_TRUE(ok(driver_->put_content("big", std::string(1 << 20, 'x'))));
  auto after = limit->free_space();
  ASSERT_TRUE(ok(after));
  // Other processes write too, so only a loose bound holds.
  EXPECT_LE(*after, *before + (1 << 20));
}

TEST_P(DriverConformance, ListOfMissingDirectoryOrFileIsEmpty) {
  ASSERT_TRUE(ok(driver_->put_content("file", "x")));
  for (const char* path : {"missing", "missing/below", "file"}) {
    auto names = driver_->list(path);
    ASSERT_TRUE(ok(names)) << path;
    EXPECT_TRUE(names->empty()) << path;
  }
}

TEST_P(DriverConformance, InvalidPathsAreRejected) {
  ASSERT_TRUE(ok(driver_->put_content("valid", "x")));
  for (const char* path : {"", "/", "/abs", "a/", "a//b", ".", "..", "./a", "a/.", "a/./b", "../a",
                           "a/..", "a/../b", "a b", "a\\b", "a:b", "a\tb", "caf\xc3\xa9"}) {
    SCOPED_TRACE(testing::Message() << "path \"" << path << "\"");
    EXPECT_TRUE(fails_with(driver_->stat(path), Errc::kPathEscape));
    EXPECT_TRUE(fails_with(driver_->reader(path, 0), Errc::kPathEscape));
    EXPECT_TRUE(fails_with(driver_->writer(path, 0), Errc::kPathEscape));
    EXPECT_TRUE(fails_with(driver_->put_content(path, "x"), Errc::kPathEscape));
    EXPECT_TRUE(fails_with(driver_->get_content(path, 1024), Errc::kPathEscape));
    EXPECT_TRUE(fails_with(driver_->move("valid", path), Errc::kPathEscape));
    EXPECT_TRUE(fails_with(driver_->move(path, "valid"), Errc::kPathEscape));
    EXPECT_TRUE(fails_with(driver_->remove(path), Errc::kPathEscape));
    EXPECT_TRUE(fails_with(driver_->list(path), Errc::kPathEscape));
  }
  auto content = driver_->get_content("valid", 1024);
  ASSERT_TRUE(ok(content));
  EXPECT_EQ(*content, "x");
}

TEST_P(DriverConformance, ConcurrentWritersToDistinctPaths) {
  constexpr unsigned kThreads = 8;
  constexpr std::size_t kPiece = 4096;
  constexpr std::size_t kPieces = 64;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (unsigned i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const std::string base = "concurrent/" + std::to_string(i);
      const std::string content = pattern(kPiece * kPieces, i);
      auto writer = driver_->writer(base + "/data", 0);
      ASSERT_TRUE(ok(writer));
      for (std::size_t at = 0; at < content.size(); at += kPiece) {
        ASSERT_TRUE(ok((*writer)->write(bytes_of(std::string_view(content).substr(at, kPiece)))));
      }
      ASSERT_TRUE(ok((*writer)->commit()));
      ASSERT_TRUE(ok(driver_->put_content(base + "/meta", base)));
    });
  }
  for (auto& thread : threads) thread.join();

  auto names = driver_->list("concurrent");
  ASSERT_TRUE(ok(names));
  EXPECT_EQ(names->size(), kThreads);
  for (unsigned i = 0; i < kThreads; ++i) {
    const std::string base = "concurrent/" + std::to_string(i);
    auto data = driver_->get_content(base + "/data", kPiece * kPieces);
    ASSERT_TRUE(ok(data));
    EXPECT_TRUE(*data == pattern(kPiece * kPieces, i)) << base;
    auto meta = driver_->get_content(base + "/meta", 1024);
    ASSERT_TRUE(ok(meta));
    EXPECT_EQ(*meta, base);
  }
}

}  // namespace

}  // namespace storage
