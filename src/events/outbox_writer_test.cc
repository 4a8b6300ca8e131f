#include "events/outbox_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "metadata/sqlite_store.h"
#include "metrics/registry.h"
#include "testsupport/temp_dir.h"

namespace events {
namespace {

class OutboxWriterTest : public testing::Test {
 protected:
  void SetUp() override {
    auto opened = metadata::open_sqlite_store(dir_ / "metadata.db");
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  Event event(std::string repository) {
    Event made;
    made.action = Action::kPush;
    made.repository = std::move(repository);
    return made;
  }

  static std::string name(int i) {
    // Appended, not `"r" + std::to_string(i)`: GCC 12 warns (-Wrestrict) on that when inlined.
    std::string result = "r";
    result += std::to_string(i);
    return result;
  }

  testsupport::TempDir dir_;
  std::unique_ptr<metadata::Store> store_;
};

TEST_F(OutboxWriterTest, AnEventIsInTheOutboxWhenItsCallbackRuns) {
  std::atomic<int> batches{0};
  OutboxWriter writer(*store_, {.source = "node-1"}, [&] { ++batches; });
  std::promise<void> written;
  writer.emit(event("a"), [&] { written.set_value(); });
  written.get_future().wait();
  auto rows = store_->events_after(0, 10);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().repository, "a");
  EXPECT_GT(rows->front().time_ms, 0);
  const auto rest = payload_rest(rows->front().payload, Format::kCloudEvents);
  ASSERT_TRUE(rest);
  EXPECT_NE(rest->find(R"("source":"/regmirror/node-1")"), std::string_view::npos);  // stamped
  EXPECT_GE(batches.load(), 1);
}

TEST_F(OutboxWriterTest, StoppingWritesEverythingQueuedInOrder) {
  constexpr int kEvents = 2000;
  {
    OutboxWriter writer(*store_, {.batch = 50}, {});
    for (int i = 0; i < kEvents; ++i) writer.emit(event(name(i)));
  }  // the destructor stops it
  auto rows = store_->events_after(0, kEvents + 1);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), std::size_t{kEvents});
  for (int i = 0; i < kEvents; ++i) EXPECT_EQ((*rows)[i].repository, name(i));
}

TEST_F(OutboxWriterTest, AfterStopEventsAreDroppedAndCounted) {
  OutboxWriter writer(*store_, {}, {});
  writer.stop();
  bool released = false;
  writer.emit(event("late"), [&] { released = true; });
  EXPECT_TRUE(released);
  EXPECT_EQ(writer.dropped(), 1u);
  auto rows = store_->events_after(0, 10);
  ASSERT_TRUE(rows);
  EXPECT_TRUE(rows->empty());
}

TEST_F(OutboxWriterTest, PullsAreNotRecordedUnlessAnEndpointWantsThem) {
  OutboxWriter writer(*store_, {.pulls = false}, {});
  EXPECT_FALSE(writer.records(Action::kPull));
  EXPECT_TRUE(writer.records(Action::kPush));
  Event pulled = event("pulled");
  pulled.action = Action::kPull;
  writer.emit(pulled);
  writer.emit(event("pushed"));
  writer.stop();
  auto rows = store_->events_after(0, 10);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().repository, "pushed");
  EXPECT_EQ(writer.dropped(), 0u);  // not recorded is not dropped
}

TEST_F(OutboxWriterTest, AFullQueueDropsAtOnceAndCounts) {
  constexpr std::size_t kCapacity = 3;
  std::atomic<OutboxWriter*> writer_ready{nullptr};
  std::promise<std::chrono::steady_clock::duration> took;
  std::atomic<bool> filled{false};
  // Emitted by the writer's own thread after its first batch: nothing drains the queue then,
  // as when the database is away. The emit past the capacity must not wait for room.
  OutboxWriter writer(*store_, {.capacity = kCapacity}, [&] {
    OutboxWriter* self = writer_ready.load();
    if (self == nullptr || filled.exchange(true)) return;
    for (std::size_t i = 0; i < kCapacity; ++i) self->emit(event("queued"));
    const auto started = std::chrono::steady_clock::now();
    self->emit(event("one too many"));
    took.set_value(std::chrono::steady_clock::now() - started);
  });
  writer_ready = &writer;
  std::promise<void> first;
  writer.emit(event("first"), [&] { first.set_value(); });
  first.get_future().wait();
  EXPECT_LT(took.get_future().get(), std::chrono::milliseconds(100));
  EXPECT_EQ(writer.dropped(), 1u);
  std::string metrics;
  metrics::default_registry().write_text(metrics);
  EXPECT_NE(metrics.find("regmirror_events_dropped_total "), std::string::npos) << metrics;
}

}  // namespace
}  // namespace events
