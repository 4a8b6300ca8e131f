#include "sync/sync_scheduler.h"

#include <exception>
#include <utility>

#include "metrics/registry.h"

namespace imagesync {
namespace {

// Counted in the process's metrics as each run ends.
void count_run(const SetRun& run) {
  auto& registry = metrics::default_registry();
  static auto& runs = registry.counter("regmirror_sync_runs_total",
                                       "Scheduled sync set runs, by result: ok or failed (an "
                                       "image or a destination failed).",
                                       {"result"});
  static auto& ok = runs.with({"ok"});
  static auto& failed = runs.with({"failed"});
  static auto& last_run = registry
                              .gauge("regmirror_sync_last_run_timestamp_seconds",
                                     "When the last scheduled sync set run ended.")
                              .get();
  (run.images_failed == 0 && run.errors.empty() ? ok : failed).inc();
  last_run.set(
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
}

}  // namespace

SyncScheduler::SyncScheduler(std::vector<ScheduledSet> sets, RunSet run) : run_(std::move(run)) {
  for (auto& set : sets) statuses_.push_back(SetStatus{std::move(set), false, {}, {}});
}

SyncScheduler::~SyncScheduler() { stop(); }

void SyncScheduler::start() {
  const auto now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    for (auto& status : statuses_) status.next_run = status.set.schedule.first_run(now);
  }
  for (std::size_t i = 0; i < statuses_.size(); ++i) {
    threads_.emplace_back([this, i](const std::stop_token& stop) { loop(i, stop); });
  }
}

void SyncScheduler::stop() {
  for (auto& thread : threads_) thread.request_stop();
  threads_.clear();  // joins
}

std::vector<SetStatus> SyncScheduler::status() const {
  std::lock_guard lock(mutex_);
  return statuses_;
}

void SyncScheduler::loop(std::size_t index, const std::stop_token& stop) {
  std::mutex wait_mutex;
  std::condition_variable_any wake;  // only woken by a stop request
  while (!stop.stop_requested()) {
    const auto [set, due] = [&] {
      std::lock_guard lock(mutex_);
      return std::pair{statuses_[index].set, *statuses_[index].next_run};
    }();
    {
      std::unique_lock lock(wait_mutex);
      if (wake.wait_until(lock, stop, due, [] { return false; }) || stop.stop_requested()) return;
    }
    if (Clock::now() < due) continue;  // woken early
    const auto started = Clock::now();
    {
      std::lock_guard lock(mutex_);
      statuses_[index].running = true;
      statuses_[index].next_run.reset();
    }
    SetRun run;
    try {
      run = run_(set, stop);
    } catch (const std::exception& e) {
      run = SetRun{};
      run.errors.push_back(std::string("internal error: ") + e.what());
    }
    run.started = started;
    run.finished = Clock::now();
    count_run(run);
    std::lock_guard lock(mutex_);
    SetStatus& status = statuses_[index];
    status.running = false;
    status.next_run = set.schedule.next_run(run.started, run.finished);
    status.last_run = std::move(run);
  }
}

}  // namespace imagesync
