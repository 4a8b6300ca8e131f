#include "sync/sync_scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

namespace imagesync {
namespace {

using namespace std::chrono_literals;

ScheduledSet every(const std::string& name, std::chrono::milliseconds interval) {
  return ScheduledSet{name, "/etc/regmirror/" + name + ".yaml", Schedule::every(interval), ""};
}

// Polls `done` for up to 10 s.
bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

TEST(SyncScheduler, RunsEachSetOnItsIntervalNeverTwiceAtOnceAndRecordsTheRuns) {
  std::atomic<int> runs{0};
  std::atomic<int> at_once{0};
  std::atomic<int> most_at_once{0};
  SyncScheduler scheduler({every("a", 20ms)}, [&](const ScheduledSet& set, const std::stop_token&) {
    const int now = ++at_once;
    most_at_once = std::max(most_at_once.load(), now);
    std::this_thread::sleep_for(30ms);  // longer than the interval
    --at_once;
    SetRun run;
    run.images_ok = ++runs;
    run.bytes = 10;
    EXPECT_EQ(set.name, "a");
    return run;
  });
  const auto before = Clock::now();
  scheduler.start();
  ASSERT_TRUE(eventually([&] { return runs >= 3; }));
  scheduler.stop();
  EXPECT_EQ(most_at_once, 1);

  const auto status = scheduler.status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].set.name, "a");
  EXPECT_FALSE(status[0].running);
  ASSERT_TRUE(status[0].last_run);
  EXPECT_GE(status[0].last_run->images_ok, 3);
  EXPECT_EQ(status[0].last_run->bytes, 10);
  EXPECT_GE(status[0].last_run->started, before);
  EXPECT_GE(status[0].last_run->finished, status[0].last_run->started);
  ASSERT_TRUE(status[0].next_run);
  EXPECT_GE(*status[0].next_run, status[0].last_run->finished);
}

TEST(SyncScheduler, ShowsARunningSetWithoutANextRun) {
  std::atomic<bool> release{false};
  SyncScheduler scheduler({every("slow", 1h)},
                          [&](const ScheduledSet&, const std::stop_token& stop) {
                            while (!release && !stop.stop_requested())
                              std::this_thread::sleep_for(5ms);
                            return SetRun{};
                          });
  scheduler.start();
  ASSERT_TRUE(eventually([&] { return scheduler.status()[0].running; }));
  EXPECT_FALSE(scheduler.status()[0].next_run);
  EXPECT_FALSE(scheduler.status()[0].last_run);
  release = true;
  ASSERT_TRUE(eventually([&] { return scheduler.status()[0].last_run.has_value(); }));
  const auto status = scheduler.status()[0];
  EXPECT_FALSE(status.running);
  // An hour after the start.
  ASSERT_TRUE(status.next_run);
  EXPECT_GE(*status.next_run - status.last_run->started, 1h);
}

TEST(SyncScheduler, AFailingSetDoesNotStopTheOthers) {
  std::atomic<int> good_runs{0};
  SyncScheduler scheduler({every("bad", 10ms), every("good", 10ms)},
                          [&](const ScheduledSet& set, const std::stop_token&) -> SetRun {
                            if (set.name == "bad") throw std::runtime_error("no such file");
                            ++good_runs;
                            return SetRun{};
                          });
  scheduler.start();
  ASSERT_TRUE(eventually([&] { return good_runs >= 3; }));
  ASSERT_TRUE(eventually([&] { return scheduler.status()[0].last_run.has_value(); }));
  const auto bad = scheduler.status()[0];
  EXPECT_EQ(bad.last_run->errors, std::vector<std::string>{"internal error: no such file"});
}

TEST(SyncScheduler, StopEndsARunningSetAndAWaitingOne) {
  std::atomic<bool> saw_stop{false};
  SyncScheduler scheduler(
      {every("running", 1h),
       ScheduledSet{"waiting", "w.yaml", Schedule::at(*CronSchedule::parse("0 0 1 1 *")), ""}},
      [&](const ScheduledSet&, const std::stop_token& stop) {
        while (!stop.stop_requested()) std::this_thread::sleep_for(5ms);
        saw_stop = true;
        return SetRun{};
      });
  scheduler.start();
  ASSERT_TRUE(eventually([&] { return scheduler.status()[0].running; }));
  EXPECT_FALSE(scheduler.status()[1].running);
  scheduler.stop();  // returns: both threads ended
  EXPECT_TRUE(saw_stop);
}

}  // namespace
}  // namespace imagesync
