// The garbage collection schedule of `regmirror serve` (gc.schedule or gc.interval): a thread
// of its own waits for each run's time, runs it and logs the report. Runs of several replicas
// never overlap: the one that finds the lease taken skips its turn.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "events/sink.h"
#include "registry/gc.h"
#include "registry/registry.h"
#include "sync/schedule.h"

namespace cli {

class ServeGc {
 public:
  // `events`: where the runs' gc.delete events go (null: none). `after_run`, when given, is
  // called after each run that was not refused (the quotas read their usage again).
  ServeGc(imagesync::Schedule schedule, registry::GcOptions options, registry::Registry& registry,
          events::Sink* events, std::function<void()> after_run = {});
  // Stops the schedule; a run going on finishes first.
  ~ServeGc();
  ServeGc(const ServeGc&) = delete;
  ServeGc& operator=(const ServeGc&) = delete;

 private:
  void loop(const std::stop_token& stop);

  const imagesync::Schedule schedule_;
  const registry::GcOptions options_;
  registry::Registry& registry_;
  events::Sink* const events_;
  const std::function<void()> after_run_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: started once the rest is there
};

}  // namespace cli
