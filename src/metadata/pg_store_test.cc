// Runs the conformance suite against the PostgreSQL store, plus what only PostgreSQL shows:
// migrations, replicas sharing the database, a server restart, errors that keep the password.
// One cluster serves the whole binary (tests/fixtures/postgres_server.py); each test gets a
// database of its own in it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "metadata/pg_connection.h"
#include "metadata/pg_schema.h"
#include "metadata/pg_store.h"
#include "metadata/store_conformance.h"
#include "testsupport/postgres_server.h"

namespace metadata {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The cluster, started on first use and stopped when the binary exits; nullptr when
// PostgreSQL is not installed.
testsupport::PostgresServer* server() {
  static const std::unique_ptr<testsupport::PostgresServer> started =
      testsupport::PostgresServer::start();
  return started.get();
}

// A new, empty database on the cluster; its URL.
std::string fresh_database() {
  static std::atomic<int> next{0};
  const std::string name = "test_" + std::to_string(next++);
  auto admin = postgres::Connection::open(server()->url(), 5s);
  EXPECT_TRUE(admin) << admin.error().message;
  if (!admin) return {};
  auto created = (*admin)->script("CREATE DATABASE " + name);
  EXPECT_TRUE(created) << created.error().message;
  return server()->url_of(name);
}

void skip_without_postgres() { GTEST_SKIP() << "PostgreSQL 15 is not installed"; }

// Each directory the suite hands over stands for a database of its own.
Result<std::unique_ptr<Store>> open_in_directory(const fs::path& directory) {
  if (server() == nullptr) {
    skip_without_postgres();
    return oci::fail(oci::ErrorCode::kInternal, "no PostgreSQL");
  }
  static std::mutex mutex;
  static std::map<fs::path, std::string> databases;
  std::string url;
  {
    std::lock_guard lock(mutex);
    auto& known = databases[directory];
    if (known.empty()) known = fresh_database();
    url = known;
  }
  return open_postgres_store({.url = url, .pool_size = 8});
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformance,
                         testing::Values(StoreFactory(open_in_directory)));

class PostgresStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    if (server() == nullptr) GTEST_SKIP() << "PostgreSQL 15 is not installed";
    url_ = fresh_database();
  }
  std::unique_ptr<Store> open(std::chrono::milliseconds max_staleness = 100ms) {
    auto store =
        open_postgres_store({.url = url_, .pool_size = 4}, {.max_staleness = max_staleness});
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }
  // The first column of the first row of `sql`, run directly on the test's database.
  std::string query(const std::string& sql) {
    auto db = postgres::Connection::open(url_, 5s);
    EXPECT_TRUE(db) << db.error().message;
    auto rows = (*db)->query(sql);
    EXPECT_TRUE(rows) << rows.error().message;
    return rows && rows->count() > 0 ? rows->text(0, 0) : "";
  }
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

  std::string url_;
};

TEST_F(PostgresStoreTest, ReplicasStartingAtOnceMigrateOnce) {
  std::vector<std::thread> replicas;
  replicas.reserve(4);
  std::atomic<int> migrated{0};
  for (int i = 0; i < 4; ++i) {
    replicas.emplace_back([&] {
      auto version = migrate_postgres({.url = url_});
      EXPECT_TRUE(version) << version.error().message;
      if (version && *version == 5) ++migrated;
    });
  }
  for (auto& replica : replicas) replica.join();
  EXPECT_EQ(migrated.load(), 4);
  EXPECT_EQ(query("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations"),
            "1,2,3,4,5");
}

TEST_F(PostgresStoreTest, UpgradeForGarbageCollectionDatesRowsNow) {
  {
    auto db = postgres::Connection::open(url_, 5s);
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(postgres::migrate_to(**db, 2));
    auto filled = (*db)->script(kRowsBeforeGc);
    ASSERT_TRUE(filled) << filled.error().message;
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(query("SELECT MAX(version) FROM schema_migrations"), "5");
  expect_rows_upgraded_for_gc(*store);
}

TEST_F(PostgresStoreTest, RefusesDatabaseFromNewerBinary) {
  ASSERT_TRUE(migrate_postgres({.url = url_}));
  query("INSERT INTO schema_migrations (version) VALUES (99)");
  auto store = open_postgres_store({.url = url_});
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("newer"), std::string::npos) << store.error().message;
}

TEST_F(PostgresStoreTest, NamesSortByBytesWhateverTheLocale) {
  auto store = open();
  for (const char* name : {"b", "B", "a-b", "a_b", "a/b", "Z"}) {
    ASSERT_TRUE(store->claim_blob("sha256:" + std::string(64, '1'), 1));
    ASSERT_TRUE(store->link_blob(name, "sha256:" + std::string(64, '1')));
  }
  EXPECT_EQ(*store->repositories("", 10),
            (std::vector<std::string>{"B", "Z", "a-b", "a/b", "a_b", "b"}));
}

TEST_F(PostgresStoreTest, ATagMovedByAnotherReplicaIsSeenWithinTheBound) {
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

TEST_F(PostgresStoreTest, ZeroStalenessSeesAnotherReplicasWriteAtOnce) {
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

TEST_F(PostgresStoreTest, AFailedTransactionLeavesNothing) {
  auto store = open();
  ManifestPut put;
  put.repository = "fresh/repo";
  put.manifest.digest = "sha256:" + std::string(64, 'c');
  put.manifest.media_type = "application/vnd.oci.image.manifest.v1+json";
  put.manifest.size = std::numeric_limits<std::uint64_t>::max();  // beyond BIGINT: refused
  put.tag = "v1";
  ASSERT_TRUE(store->claim_blob(put.manifest.digest, 1));
  ASSERT_FALSE(store->put_manifest(put));
  // The repository the transaction created before failing is gone with it.
  EXPECT_FALSE(*store->repository_exists("fresh/repo"));
  ASSERT_TRUE(store->claim_blob("sha256:" + std::string(64, 'd'), 1));
  EXPECT_TRUE(store->link_blob("other", "sha256:" + std::string(64, 'd')));
}

// Racing PUTs of one tag: each is told the target it replaced, so that the targets form one
// chain (events/ reports a move for each, and none twice).
TEST_F(PostgresStoreTest, RacingPutsOfATagEachSeeWhatTheyReplaced) {
  auto store = open_postgres_store({.url = url_, .pool_size = 8});
  ASSERT_TRUE(store);
  constexpr int kWriters = 8;
  std::vector<std::optional<std::string>> before(kWriters);
  std::vector<std::thread> writers;
  writers.reserve(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      ManifestPut put;
      put.repository = "repo";
      put.manifest.digest = "sha256:" + std::string(63, 'a') + static_cast<char>('0' + w);
      put.manifest.media_type = "application/vnd.oci.image.manifest.v1+json";
      put.tag = "latest";
      ASSERT_TRUE((*store)->claim_blob(put.manifest.digest, 0));
      auto put_result = (*store)->put_manifest(put);
      ASSERT_TRUE(put_result) << put_result.error().message;
      before[w] = *put_result;
    });
  }
  for (auto& writer : writers) writer.join();
  std::set<std::string> replaced;
  int created = 0;
  for (const auto& target : before) {
    if (!target) {
      ++created;
    } else {
      EXPECT_TRUE(replaced.insert(*target).second) << *target << " replaced twice";
    }
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(replaced.size(), std::size_t{kWriters - 1});
  const std::string last = (*store)->tag("repo", "latest")->value_or("");
  EXPECT_FALSE(replaced.contains(last));
}

TEST_F(PostgresStoreTest, WorksOnAfterTheServerRestarts) {
  auto store = open();
  tag_to(*store, "v1", 'a');
  server()->restart();
  // Idle pooled connections died with the old server: the calls reconnect.
  EXPECT_EQ(store->tag("repo", "v1")->value_or(""), "sha256:" + std::string(64, 'a'));
  tag_to(*store, "v2", 'b');
  EXPECT_EQ(store->tags("repo", "", 10)->size(), 2u);
}

// A digest whose hex is `n`, zero-padded.
std::string digest(unsigned n) {
  char hex[65];
  std::snprintf(hex, sizeof hex, "%064x", n);
  return std::string("sha256:") + hex;
}

TEST_F(PostgresStoreTest, ARestartDuringWritesLeavesNothingHalfWritten) {
  auto store = open();
  std::atomic<bool> stop{false};
  std::atomic<unsigned> succeeded{0};
  std::thread writer([&] {
    for (unsigned i = 1; !stop; ++i) {
      ManifestPut put;
      put.repository = "repo";
      put.manifest.digest = digest(i);
      put.manifest.media_type = "application/vnd.oci.image.manifest.v1+json";
      put.blob_digests = {digest(100000 + i), digest(200000 + i)};
      put.tag = "t" + std::to_string(i);
      if (store->claim_blob(put.manifest.digest, 0) && store->put_manifest(put)) ++succeeded;
    }
  });
  std::this_thread::sleep_for(200ms);
  server()->restart();
  std::this_thread::sleep_for(200ms);
  stop = true;
  writer.join();
  EXPECT_GT(succeeded.load(), 0u);
  EXPECT_TRUE(store->claim_blob(digest(1), 1));  // writes go on
  EXPECT_TRUE(store->link_blob("after", digest(1)));
  // Every manifest recorded came with both its references and its tag, or not at all.
  EXPECT_EQ(query("SELECT count(*) FROM manifests m WHERE (SELECT count(*) FROM manifest_blobs b"
                  " WHERE b.manifest_digest = m.digest) <> 2"
                  " OR NOT EXISTS (SELECT 1 FROM tags t WHERE t.digest = m.digest)"),
            "0");
  // A commit whose answer the restart cut off failed for the caller yet may have happened.
  const unsigned recorded = std::stoul(query("SELECT count(*) FROM manifests"));
  EXPECT_GE(recorded, succeeded.load());
  EXPECT_LE(recorded, succeeded.load() + 1);
}

// A blob DELETE waits for a manifest being recorded in the repository (which holds it FOR
// SHARE after checking the link), as GC's pass does: otherwise GC could mark the blob between
// the unlink's commit and the manifest's, and remove bytes the manifest references.
TEST_F(PostgresStoreTest, UnlinkingWaitsForAManifestBeingRecorded) {
  auto store = open();
  const std::string layer = digest(1);
  ASSERT_TRUE(store->claim_blob(layer, 1));
  ASSERT_TRUE(store->link_blob("repo", layer));
  auto recording = postgres::Connection::open(url_, 5s);
  ASSERT_TRUE(recording) << recording.error().message;
  ASSERT_TRUE((*recording)->script("BEGIN"));
  ASSERT_TRUE((*recording)->query("SELECT id FROM repositories WHERE name = 'repo' FOR SHARE"));
  std::atomic<bool> unlinked{false};
  std::thread unlink([&] {
    EXPECT_EQ(store->unlink_blob("repo", layer).value_or(false), true);
    unlinked = true;
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(unlinked.load());
  ASSERT_TRUE((*recording)->script("COMMIT"));
  unlink.join();
  EXPECT_TRUE(unlinked.load());
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsAClearErrorWithoutThePassword) {
  const std::string password = "test-secret-7f3a";  // tests/fixtures/postgres_server.py's
  ASSERT_NE(url_.find(password), std::string::npos);
  std::string wrong_port = server()->url_of("x");
  wrong_port.replace(wrong_port.rfind(':') + 1, wrong_port.rfind('/') - wrong_port.rfind(':') - 1,
                     "1");
  auto store = open_postgres_store({.url = wrong_port, .connect_timeout = 2s});
  ASSERT_FALSE(store);
  EXPECT_NE(
      store.error().message.find("cannot connect to postgresql://regmirror:***@127.0.0.1:1/x"),
      std::string::npos)
      << store.error().message;
  EXPECT_EQ(store.error().message.find(password), std::string::npos) << store.error().message;

  std::string wrong_password = url_;
  wrong_password.replace(wrong_password.find(password), password.size(), "not-it");
  store = open_postgres_store({.url = wrong_password});
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("password authentication failed"), std::string::npos)
      << store.error().message;
  EXPECT_EQ(store.error().message.find("not-it"), std::string::npos) << store.error().message;
}

TEST_F(PostgresStoreTest, ThePoolBoundsConnections) {
  auto store = open_postgres_store({.url = url_, .pool_size = 2});
  ASSERT_TRUE(store);
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE((*store)->claim_blob("sha256:" + std::string(64, 'e'), 1));
        EXPECT_TRUE((*store)->link_blob("r" + std::to_string(t), "sha256:" + std::string(64, 'e')));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string database = url_.substr(url_.rfind('/') + 1);
  EXPECT_LE(std::stoi(query("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + database +
                            "' AND application_name = 'regmirror'")),
            2 + 1);  // + the connection asking
}

}  // namespace

}  // namespace metadata
