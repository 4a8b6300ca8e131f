#include "events/outbox_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "metrics/registry.h"

namespace events {
namespace {

// Pauses between attempts to write a batch the database refused.
constexpr std::chrono::milliseconds kFirstRetry{100};
constexpr std::chrono::milliseconds kLastRetry{5000};

metrics::Counter& dropped_metric() {
  static metrics::Counter& counter =
      metrics::default_registry()
          .counter("regmirror_events_dropped_total",
                   "Events dropped before reaching the outbox: its queue was full (the database "
                   "slow or away) or the process stopping.")
          .get();
  return counter;
}

}  // namespace

OutboxWriter::OutboxWriter(metadata::Store& store, OutboxWriterOptions options,
                           std::function<void()> written)
    : store_(store),
      options_(std::move(options)),
      written_(std::move(written)),
      thread_([this](const std::stop_token& stop) { run(stop); }) {
  dropped_metric();  // registered now: /metrics shows 0 before the first drop
}

OutboxWriter::~OutboxWriter() { stop(); }

void OutboxWriter::emit(Event event) { emit(std::move(event), {}); }

bool OutboxWriter::records(Action action) const {
  return action != Action::kPull || options_.pulls;
}

void OutboxWriter::emit(Event event, std::function<void()> written) {
  if (!records(event.action)) {
    if (written) written();
    return;
  }
  if (event.time.time_since_epoch().count() == 0) event.time = std::chrono::system_clock::now();
  if (event.source.empty()) event.source = options_.source;
  std::unique_lock lock(mutex_);
  if (stopped_ || queue_.size() >= options_.capacity) {
    const std::uint64_t dropped = ++dropped_;
    lock.unlock();
    dropped_metric().inc();
    // The first, then every thousandth: a database outage must not flood the log too.
    if (dropped % 1000 == 1) {
      spdlog::warn("events: outbox queue full or stopped, {} events dropped so far", dropped);
    }
    if (written) written();
    return;
  }
  queue_.push_back(Pending{std::move(event), std::move(written)});
  lock.unlock();
  has_work_.notify_one();
}

void OutboxWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;  // from now on emit() drops; what is queued is still written
  }
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

std::uint64_t OutboxWriter::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::vector<OutboxWriter::Pending> OutboxWriter::next_batch(const std::stop_token& stop) {
  std::unique_lock lock(mutex_);
  has_work_.wait(lock, stop, [&] { return !queue_.empty(); });
  std::vector<Pending> batch;
  const std::size_t count = std::min(queue_.size(), options_.batch);
  batch.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

void OutboxWriter::put_back(std::vector<Pending> batch) {
  std::lock_guard lock(mutex_);
  for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
}

void OutboxWriter::run(const std::stop_token& stop) {
  std::chrono::milliseconds retry = kFirstRetry;
  std::optional<std::chrono::steady_clock::time_point> stop_deadline;
  while (true) {
    std::vector<Pending> batch = next_batch(stop);
    if (batch.empty()) {
      if (stop.stop_requested()) return;  // asked to stop with nothing left
      continue;
    }
    std::vector<metadata::OutboxEvent> rows;
    rows.reserve(batch.size());
    for (const Pending& pending : batch) rows.push_back(to_outbox(pending.event));
    auto appended = store_.append_events(rows);
    if (appended && written_) written_();
    // Whoever waits is released after the first attempt either way: a request never waits
    // for the database to come back (its event stays queued and is written later).
    for (Pending& pending : batch) {
      if (pending.written) std::exchange(pending.written, {})();
    }
    if (appended) {
      retry = kFirstRetry;
      continue;
    }
    spdlog::warn("events: writing {} events to the outbox: {}", rows.size(),
                 appended.error().message);
    if (stop.stop_requested()) {
      const auto now = std::chrono::steady_clock::now();
      if (!stop_deadline) stop_deadline = now + options_.stop_deadline;
      if (now >= *stop_deadline) {
        std::lock_guard lock(mutex_);
        dropped_ += batch.size() + queue_.size();
        dropped_metric().add(batch.size() + queue_.size());
        spdlog::error("events: stopping with {} events not written to the outbox", dropped_);
        return;
      }
    }
    put_back(std::move(batch));
    std::this_thread::sleep_for(retry);
    retry = std::min(retry * 2, kLastRetry);
  }
}

}  // namespace events
