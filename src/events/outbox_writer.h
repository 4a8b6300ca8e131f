// The Sink that records events in the database outbox: emitters queue them in memory, one
// thread writes what has queued up in one transaction at a time (while a write runs, the next
// batch gathers, so a batch is whatever arrived during the previous write: no timer delays
// the first event). The queue is bounded: when full (the database is slow or away), an
// emitter drops its event at once, counts it (regmirror_events_dropped_total) and logs it,
// never waiting: emitters run on the server's I/O threads, which must never block.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "events/sink.h"
#include "metadata/store.h"

namespace events {

struct OutboxWriterOptions {
  std::size_t capacity = 10'000;  // events queued at most
  std::size_t batch = 500;        // events per transaction at most
  // How long stop() goes on trying to write what is queued when the database fails.
  std::chrono::milliseconds stop_deadline{10'000};
  std::string source{};  // the host name events are stamped with
  bool pulls = true;     // pull events are recorded (else emitting one does nothing)
};

class OutboxWriter final : public Sink {
 public:
  // `written` is called after each batch that reached the outbox (the deliverers' doorbell).
  OutboxWriter(metadata::Store& store, OutboxWriterOptions options, std::function<void()> written);
  ~OutboxWriter() override;
  OutboxWriter(const OutboxWriter&) = delete;
  OutboxWriter& operator=(const OutboxWriter&) = delete;

  void emit(Event event) override;
  void emit(Event event, std::function<void()> written) override;
  bool records(Action action) const override;

  // Writes everything queued (giving up after stop_deadline of failures) and ends the thread;
  // events emitted afterwards are dropped. The destructor does it too.
  void stop();
  std::uint64_t dropped() const;

 private:
  struct Pending {
    Event event;
    std::function<void()> written;  // may be empty
  };

  void run(const std::stop_token& stop);
  // Takes the next batch off the queue (waiting for one unless stopping); empty once stopped
  // with nothing left.
  std::vector<Pending> next_batch(const std::stop_token& stop);
  void put_back(std::vector<Pending> batch);

  metadata::Store& store_;
  const OutboxWriterOptions options_;
  const std::function<void()> written_;
  mutable std::mutex mutex_;
  std::condition_variable_any has_work_;
  std::deque<Pending> queue_;
  std::uint64_t dropped_ = 0;
  bool stopped_ = false;
  std::jthread thread_;  // last: started once the rest is ready
};

}  // namespace events
