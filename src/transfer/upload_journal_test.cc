#include "transfer/upload_journal.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace transfer {
namespace {

namespace fs = std::filesystem;

class UploadJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("journal-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  static oci::Digest digest(char c) { return *oci::Digest::parse("sha256:" + std::string(64, c)); }

  fs::path root_;
};

TEST_F(UploadJournalTest, RecordsFindsAndForgets) {
  const UploadJournal journal(root_ / "state/uploads");
  EXPECT_EQ(journal.find("h:5000", "ns/app", digest('a')), std::nullopt);
  EXPECT_FALSE(fs::exists(root_ / "state")) << "nothing is created before a record";

  ASSERT_TRUE(
      journal.record("h:5000", "ns/app", digest('a'), "https://h:5000/v2/ns/app/blobs/uploads/1"));
  EXPECT_EQ(journal.find("h:5000", "ns/app", digest('a')),
            "https://h:5000/v2/ns/app/blobs/uploads/1");

  // The location moves on after every chunk: the entry is replaced.
  ASSERT_TRUE(journal.record("h:5000", "ns/app", digest('a'), "https://h:5000/upload/2?state=x"));
  EXPECT_EQ(journal.find("h:5000", "ns/app", digest('a')), "https://h:5000/upload/2?state=x");

  journal.forget("h:5000", "ns/app", digest('a'));
  EXPECT_EQ(journal.find("h:5000", "ns/app", digest('a')), std::nullopt);
  EXPECT_TRUE(fs::is_empty(root_ / "state/uploads")) << "no temporary files are left behind";
}

TEST_F(UploadJournalTest, EntriesAreKeyedByHostRepositoryAndDigest) {
  const UploadJournal journal(root_);
  ASSERT_TRUE(journal.record("a.example", "ns/app", digest('a'), "loc-1"));
  ASSERT_TRUE(journal.record("b.example", "ns/app", digest('a'), "loc-2"));
  ASSERT_TRUE(journal.record("a.example", "ns/other", digest('a'), "loc-3"));
  ASSERT_TRUE(journal.record("a.example", "ns/app", digest('b'), "loc-4"));
  EXPECT_EQ(journal.find("a.example", "ns/app", digest('a')), "loc-1");
  EXPECT_EQ(journal.find("b.example", "ns/app", digest('a')), "loc-2");
  EXPECT_EQ(journal.find("a.example", "ns/other", digest('a')), "loc-3");
  EXPECT_EQ(journal.find("a.example", "ns/app", digest('b')), "loc-4");
  journal.forget("a.example", "ns/app", digest('a'));
  EXPECT_EQ(journal.find("a.example", "ns/app", digest('a')), std::nullopt);
  EXPECT_EQ(journal.find("b.example", "ns/app", digest('a')), "loc-2");

  // One file per entry, named by a hash: no registry names in file names.
  int files = 0;
  for (const auto& entry : fs::directory_iterator(root_)) {
    ++files;
    EXPECT_EQ(entry.path().filename().string().size(), 64u);
  }
  EXPECT_EQ(files, 3);
}

TEST_F(UploadJournalTest, SurvivesANewInstance) {
  ASSERT_TRUE(UploadJournal(root_).record("h", "r", digest('c'), "https://h/u/9"));
  EXPECT_EQ(UploadJournal(root_).find("h", "r", digest('c')), "https://h/u/9");
}

TEST_F(UploadJournalTest, DirectoryIsPrivate) {
  const UploadJournal journal(root_ / "a/b");
  ASSERT_TRUE(journal.record("h", "r", digest('d'), "x"));
  struct stat st {};
  ASSERT_EQ(::stat((root_ / "a/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(UploadJournalTest, UnwritableDirectoryIsAnError) {
  fs::create_directories(root_);
  std::ofstream(root_ / "file") << "x";
  const UploadJournal journal(root_ / "file/uploads");  // a file where a directory should be
  EXPECT_FALSE(journal.record("h", "r", digest('e'), "x"));
  EXPECT_EQ(journal.find("h", "r", digest('e')), std::nullopt);
}

}  // namespace
}  // namespace transfer
