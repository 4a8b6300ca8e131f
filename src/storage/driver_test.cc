// Runs the conformance suite against every driver, plus what only the filesystem driver shows.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "storage/driver_conformance.h"
#include "storage/filesystem_driver.h"
#include "storage/memory_driver.h"
#include "storage/temporary_files.h"

namespace storage {

namespace {

namespace fs = std::filesystem;

// Every filesystem driver under test gets its own directory below this one, removed at exit.
const fs::path& scratch_root() {
  static const fs::path root =
      fs::path(testing::TempDir()) / ("regmirror-storage-test-" + std::to_string(::getpid()));
  return root;
}

class RemoveScratchRoot : public testing::Environment {
 public:
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(scratch_root(), ignored);
  }
};

[[maybe_unused]] testing::Environment* const remove_scratch_root =
    testing::AddGlobalTestEnvironment(new RemoveScratchRoot);

fs::path fresh_directory() {
  static std::atomic<int> next{0};
  return scratch_root() / std::to_string(next++);
}

std::unique_ptr<Driver> fresh_filesystem_driver() {
  return make_filesystem_driver(fresh_directory());
}

INSTANTIATE_TEST_SUITE_P(Filesystem, DriverConformance,
                         testing::Values(DriverFactory(fresh_filesystem_driver)));
INSTANTIATE_TEST_SUITE_P(Memory, DriverConformance,
                         testing::Values(DriverFactory(make_memory_driver)));

std::vector<std::string> entries_of(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

TEST(FilesystemDriver, CreatesRootAndKeepsFilesBelowIt) {
  const fs::path root = fresh_directory() / "nested" / "root";
  auto driver = make_filesystem_driver(root);
  ASSERT_TRUE(driver->put_content("a/b", "bytes"));
  std::ifstream file(root / "a" / "b");
  std::string content;
  std::getline(file, content);
  EXPECT_EQ(content, "bytes");
}

TEST(FilesystemDriver, PutContentLeavesNoTemporaryFile) {
  const fs::path root = fresh_directory();
  auto driver = make_filesystem_driver(root);
  ASSERT_TRUE(driver->put_content("dir/file", "one"));
  ASSERT_TRUE(driver->put_content("dir/file", "two"));
  EXPECT_EQ(entries_of(root / "dir"), std::vector<std::string>{"file"});
}

TEST(FilesystemDriver, ListHidesNamesNoPathCanHold) {
  const fs::path root = fresh_directory();
  auto driver = make_filesystem_driver(root);
  ASSERT_TRUE(driver->put_content("dir/file", "x"));
  std::ofstream(root / "dir" / ".tmp~123-1") << "an interrupted put_content";
  std::ofstream(root / "dir" / "with space") << "not ours";
  auto names = driver->list("dir");
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, std::vector<std::string>{"file"});
}

TEST(FilesystemDriver, FindsAndRemovesTemporaryFilesLeftBehind) {
  const fs::path root = fresh_directory();
  auto driver = make_filesystem_driver(root);
  ASSERT_TRUE(driver->put_content("blobs/sha256/ab/file", "x"));
  std::ofstream(root / "blobs" / "sha256" / "ab" / ".tmp~123-1") << "interrupted";
  std::ofstream(root / "elsewhere.tmp") << "not a temporary";
  TemporaryFilesDriver* temporaries = temporary_files(*driver);
  ASSERT_NE(temporaries, nullptr);
  auto found = temporaries->temporaries("blobs");
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().path, "blobs/sha256/ab/.tmp~123-1");
  EXPECT_EQ(found->front().size, 11u);
  EXPECT_GT(found->front().modified_unix, 0);
  ASSERT_TRUE(temporaries->remove_temporary(found->front()));
  EXPECT_FALSE(fs::exists(root / "blobs" / "sha256" / "ab" / ".tmp~123-1"));
  EXPECT_TRUE(fs::exists(root / "blobs" / "sha256" / "ab" / "file"));
  EXPECT_TRUE(temporaries->remove_temporary(found->front()));  // gone already
  EXPECT_FALSE(temporaries->remove_temporary({.path = "blobs/sha256/ab/file"}));
  EXPECT_FALSE(temporaries->remove_temporary({.path = "../.tmp~x"}));
  EXPECT_EQ(temporaries->temporaries("missing")->size(), 0u);
  EXPECT_EQ(temporary_files(*make_memory_driver()), nullptr);
}

TEST(FilesystemDriver, OffersFileDescriptorsAndFreeSpace) {
  auto driver = make_filesystem_driver(fresh_directory());
  ASSERT_TRUE(driver->put_content("file", "x"));
  auto reader = driver->reader("file", 0);
  ASSERT_TRUE(reader);
  EXPECT_TRUE(file_descriptor(**reader));
  ASSERT_NE(space_limit(*driver), nullptr);
  EXPECT_TRUE(space_limit(*driver)->free_space());
}

TEST(MemoryDriver, HasNeitherFileDescriptorsNorASpaceLimit) {
  auto driver = make_memory_driver();
  ASSERT_TRUE(driver->put_content("file", "x"));
  auto reader = driver->reader("file", 0);
  ASSERT_TRUE(reader);
  EXPECT_FALSE(file_descriptor(**reader));
  EXPECT_EQ(space_limit(*driver), nullptr);
}

}  // namespace

}  // namespace storage
