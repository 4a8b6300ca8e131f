// The pull recorder over a SQLite store: pulls reach the store in batches, once per refresh.
#include "registry/pull_recorder.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "metadata/sqlite_store.h"

namespace registry {
namespace {

using namespace std::chrono_literals;

std::string digest(char c) { return "sha256:" + std::string(64, c); }

class PullRecorderTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("regmirror-pulls-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    store_ = std::move(*metadata::open_sqlite_store(dir_ / "metadata.sqlite"));
    for (char c : {'a', 'b'}) {
      metadata::ManifestPut put;
      put.repository = "app";
      put.manifest.digest = digest(c);
      put.manifest.media_type = "application/vnd.oci.image.manifest.v1+json";
      // A manifest's own bytes are claimed before they are recorded (Store::claim_blob).
      ASSERT_TRUE(store_->claim_blob(put.manifest.digest, 0));
      ASSERT_TRUE(store_->put_manifest(put));
    }
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::int64_t pulled_at(char c) {
    auto view = store_->retention_view("app");
    EXPECT_TRUE(view);
    for (const auto& manifest : view->manifests) {
      if (manifest.digest == digest(c)) return manifest.last_pulled_at;
    }
    ADD_FAILURE() << "no manifest " << digest(c);
    return -1;
  }

  std::filesystem::path dir_;
  std::unique_ptr<metadata::Store> store_;
};

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(PullRecorderTest, PullsAreWrittenByFlushOnly) {
  PullRecorder recorder(*store_, 0ms);
  const std::int64_t before = now_unix();
  recorder.record("app", digest('a'));
  recorder.record("app", digest('a'));
  EXPECT_EQ(pulled_at('a'), 0);
  ASSERT_TRUE(recorder.flush());
  EXPECT_GE(pulled_at('a'), before);
  EXPECT_LE(pulled_at('a'), now_unix());
  EXPECT_EQ(pulled_at('b'), 0);
}

TEST_F(PullRecorderTest, APullWithinTheRefreshIsNotWrittenAgain) {
  PullRecorder recorder(*store_, 0ms);
  recorder.record("app", digest('a'));
  ASSERT_TRUE(recorder.flush());
  ASSERT_GT(pulled_at('a'), 0);
  // Pushed anew, its pull time is 0: a second write would show.
  ASSERT_TRUE(store_->delete_manifest("app", digest('a')));
  metadata::ManifestPut put;
  put.repository = "app";
  put.manifest.digest = digest('a');
  put.manifest.media_type = "application/vnd.oci.image.manifest.v1+json";
  ASSERT_TRUE(store_->put_manifest(put));
  recorder.record("app", digest('a'));
  recorder.record("app", digest('b'));
  ASSERT_TRUE(recorder.flush());
  EXPECT_EQ(pulled_at('a'), 0);
  EXPECT_GT(pulled_at('b'), 0);
}

TEST_F(PullRecorderTest, DestroyingTheRecorderWritesWhatIsPending) {
  {
    PullRecorder recorder(*store_, 1h);
    recorder.record("app", digest('b'));
    recorder.record("gone", digest('b'));  // no such repository: skipped
  }
  EXPECT_GT(pulled_at('b'), 0);
  EXPECT_EQ(pulled_at('a'), 0);
}

TEST_F(PullRecorderTest, TheThreadWritesEveryInterval) {
  PullRecorder recorder(*store_, 20ms);
  recorder.record("app", digest('a'));
  for (int i = 0; i < 200 && pulled_at('a') == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_GT(pulled_at('a'), 0);
}

}  // namespace
}  // namespace registry
