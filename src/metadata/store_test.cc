// Runs the conformance suite against the SQLite store, plus what only SQLite shows.
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "metadata/sqlite_connection.h"
#include "metadata/sqlite_schema.h"
#include "metadata/sqlite_store.h"
#include "metadata/store_conformance.h"

namespace metadata {

namespace {

namespace fs = std::filesystem;

Result<std::unique_ptr<Store>> open_in_directory(const fs::path& directory) {
  return open_sqlite_store(directory / "metadata.db");
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformance,
                         testing::Values(StoreFactory(open_in_directory)));

// A fresh directory, removed when the test ends.
class SqliteStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::path(testing::TempDir()) /
                 ("regmirror-sqlite-test-" + std::to_string(::getpid()) + "-" +
                  testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(directory_);
    fs::create_directories(directory_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(directory_, ignored);
  }

  // Runs one statement on the database file directly and returns the first column of its row.
  std::string query(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open((directory_ / "metadata.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK);
    std::string value;
    if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return value;
  }

  fs::path directory_;
};

TEST_F(SqliteStoreTest, UpgradeForGarbageCollectionDatesRowsNow) {
  {
    auto db = sqlite::Connection::open(directory_ / "metadata.db");
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(sqlite::migrate_to(**db, 3));
    ASSERT_TRUE((*db)->execute_script(kRowsBeforeGc));
  }
  auto store = open_in_directory(directory_);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(query("PRAGMA user_version"), "6");
  expect_rows_upgraded_for_gc(**store);
}

TEST_F(SqliteStoreTest, UsesWriteAheadLogAndRecordsSchemaVersion) {
  auto store = open_in_directory(directory_);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(query("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query("PRAGMA user_version"), "6");
}

TEST_F(SqliteStoreTest, RefusesDatabaseFromNewerBinary) {
  ASSERT_TRUE(open_in_directory(directory_));
  query("PRAGMA user_version = 99");
  auto store = open_in_directory(directory_);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, oci::ErrorCode::kInternal);
  EXPECT_NE(store.error().message.find("newer"), std::string::npos) << store.error().message;
}

TEST_F(SqliteStoreTest, TwoStoresOnOneFileSeeEachOthersWrites) {
  auto writer = open_in_directory(directory_);
  ASSERT_TRUE(writer) << writer.error().message;
  auto reader = open_in_directory(directory_);
  ASSERT_TRUE(reader) << reader.error().message;
  ManifestPut put;
  put.repository = "repo";
  put.manifest.digest = "sha256:" + std::string(64, 'a');
  put.manifest.media_type = "application/vnd.oci.image.manifest.v1+json";
  put.tag = "latest";
  ASSERT_TRUE((*writer)->claim_blob(put.manifest.digest, 0));
  ASSERT_TRUE((*writer)->put_manifest(put));
  auto digest = (*reader)->tag("repo", "latest");
  ASSERT_TRUE(digest);
  EXPECT_EQ(*digest, put.manifest.digest);
}

// What replicas sharing one database rely on: the reader's cache notices the writer's commit.
class SharedFileTest : public SqliteStoreTest {
 protected:
  // Tags `tag` in "repo" to a manifest whose digest ends in `c`s.
  static std::string tag_to(Store& store, const std::string& tag, char c) {
    ManifestPut put;
    put.repository = "repo";
    put.manifest.digest = "sha256:" + std::string(64, c);
    put.manifest.media_type = "application/vnd.oci.image.manifest.v1+json";
    put.tag = tag;
    EXPECT_TRUE(store.claim_blob(put.manifest.digest, 0));
    EXPECT_TRUE(store.put_manifest(put));
    return put.manifest.digest;
  }
  std::unique_ptr<Store> open(std::chrono::milliseconds max_staleness) {
    auto store = open_sqlite_store(directory_ / "metadata.db", {.max_staleness = max_staleness});
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }
};

TEST_F(SharedFileTest, ATagMovedByAnotherStoreIsSeenWithinTheBound) {
  using namespace std::chrono_literals;
  auto writer = open(100ms);
  auto reader = open(100ms);
  tag_to(*writer, "latest", 'a');
  ASSERT_EQ(reader->tag("repo", "latest")->value_or(""), "sha256:" + std::string(64, 'a'));
  const auto moved = tag_to(*writer, "latest", 'b');
  std::this_thread::sleep_for(110ms);
  EXPECT_EQ(reader->tag("repo", "latest")->value_or(""), moved);
  ASSERT_TRUE(writer->delete_tag("repo", "latest"));
  std::this_thread::sleep_for(110ms);
  EXPECT_FALSE(reader->tag("repo", "latest")->has_value());
}

TEST_F(SharedFileTest, ZeroStalenessSeesAnotherStoresWriteAtOnce) {
  using namespace std::chrono_literals;
  auto writer = open(0ms);
  auto reader = open(0ms);
  tag_to(*writer, "latest", 'a');
  ASSERT_TRUE(reader->tag("repo", "latest")->has_value());
  EXPECT_EQ(reader->tags("repo", "", 10)->size(), 1u);
  const auto moved = tag_to(*writer, "latest", 'b');
  tag_to(*writer, "v2", 'b');
  EXPECT_EQ(reader->tag("repo", "latest")->value_or(""), moved);
  EXPECT_EQ(reader->tags("repo", "", 10)->size(), 2u);
}

TEST_F(SharedFileTest, ItsOwnWritesAreSeenAtOnce) {
  using namespace std::chrono_literals;
  auto store = open(1h);
  tag_to(*store, "latest", 'a');
  ASSERT_TRUE(store->tag("repo", "latest")->has_value());
  const auto moved = tag_to(*store, "latest", 'b');
  EXPECT_EQ(store->tag("repo", "latest")->value_or(""), moved);
  ASSERT_TRUE(store->delete_tag("repo", "latest"));
  EXPECT_FALSE(store->tag("repo", "latest")->has_value());
}

TEST_F(SqliteStoreTest, OpeningInMissingDirectoryFails) {
  auto store = open_sqlite_store(directory_ / "missing" / "metadata.db");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, oci::ErrorCode::kInternal);
}

}  // namespace

}  // namespace metadata
