// Runs sync sets on their schedules (`mirror.sync` of `regmirror serve`): one thread per set,
// so a set never runs twice at once and a long or failing set does not hold up the others;
// none of them is a server I/O thread or a blocking-pool thread. What a run does is given
// (run_set_into_registry in the server); the scheduler keeps each set's last run and next
// run for the status endpoint.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "sync/schedule.h"

namespace imagesync {

struct SetRun {
  Clock::time_point started;
  Clock::time_point finished;
  int images_ok = 0;
  int images_failed = 0;
  std::int64_t bytes = 0;           // blob bytes copied
  std::vector<std::string> errors;  // "what: why", at most kMaxRunErrors
};

// Errors kept per run; a last line says how many more there were.
inline constexpr std::size_t kMaxRunErrors = 100;

struct SetStatus {
  ScheduledSet set;
  bool running = false;
  std::optional<SetRun> last_run;             // the last finished run
  std::optional<Clock::time_point> next_run;  // unknown while a run is going on
};

class SyncScheduler {
 public:
  // Runs `set` once; `stop` is requested when the scheduler stops. The scheduler fills in
  // `started` and `finished`; an exception becomes the run's error.
  using RunSet = std::function<SetRun(const ScheduledSet& set, const std::stop_token& stop)>;

  SyncScheduler(std::vector<ScheduledSet> sets, RunSet run);
  ~SyncScheduler();  // stop()
  SyncScheduler(const SyncScheduler&) = delete;
  SyncScheduler& operator=(const SyncScheduler&) = delete;

  // Starts one thread per set: an interval set runs at once, a cron set at its next match.
  void start();
  // Asks running sets to stop (their run sees the stop token) and waits for their threads.
  void stop();

  std::vector<SetStatus> status() const;

 private:
  void loop(std::size_t index, const std::stop_token& stop);

  const RunSet run_;
  mutable std::mutex mutex_;  // guards statuses_
  std::vector<SetStatus> statuses_;
  std::vector<std::jthread> threads_;
};

}  // namespace imagesync
