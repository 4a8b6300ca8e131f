#include "sync/sync_scheduler.h"

#include <exception>
#include <utility>

namespace imagesync {

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
    std::lock_guard lock(mutex_);
    SetStatus& status = statuses_[index];
    status.running = false;
    status.next_run = set.schedule.next_run(run.started, run.finished);
    status.last_run = std::move(run);
  }
}

}  // namespace imagesync
