#include "events/deliverer.h"

#include <spdlog/spdlog.h>

#include <random>

#include "events/cloudevent.h"
#include "events/distribution_envelope.h"
#include "events/signature.h"
#include "events/webhook_post.h"

namespace events {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double jitter() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

// Sleeps `duration` unless stopped first.
void pause(std::chrono::milliseconds duration, const std::stop_token& stop) {
  std::mutex mutex;
  std::condition_variable_any never;
  std::unique_lock lock(mutex);
  never.wait_for(lock, stop, duration, [] { return false; });
}

}  // namespace

Deliverer::Deliverer(metadata::Store& store, Endpoint endpoint, DeliveryOptions options,
                     Doorbell& doorbell)
    : store_(store),
      endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      lease_name_("regmirror:events:" + endpoint_.name),
      doorbell_(doorbell),
      thread_([this](const std::stop_token& stop) { run(stop); }) {}

Deliverer::~Deliverer() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
  if (leased_) (void)store_.release_lease(lease_name_, options_.holder);
}

void Deliverer::run(const std::stop_token& stop) {
  while (!stop.stop_requested()) {
    const std::uint64_t rings = doorbell_.rings();
    if (!hold_lease(stop)) {
      pause(options_.poll, stop);
      continue;
    }
    if (!deliver_next(stop)) doorbell_.wait(rings, options_.poll, stop);
  }
}

bool Deliverer::hold_lease(const std::stop_token& stop) {
  const auto now = std::chrono::steady_clock::now();
  // Renewed when a third of it has passed: a request in flight (timeout at most a third of the
  // lease) never outlives it.
  if (leased_ && now - lease_renewed_ < options_.lease_ttl / 3) return true;
  auto held = store_.acquire_lease(lease_name_, options_.holder, options_.lease_ttl);
  if (!held) {
    if (!stop.stop_requested()) {
      spdlog::warn("events: endpoint {}: taking its lease: {}", endpoint_.name,
                   held.error().message);
    }
    leased_ = false;
    return false;
  }
  // A lease taken anew (another process may have delivered meanwhile): the cursor is read again.
  if (!leased_) cursor_.reset();
  leased_ = *held;
  if (leased_) lease_renewed_ = now;
  return leased_;
}

bool Deliverer::deliver_next(const std::stop_token& stop) {
  // While it holds the lease, only this deliverer moves the cursor: it is read once.
  if (!cursor_) {
    auto read = store_.event_cursor(endpoint_.name);
    if (!read) {
      spdlog::warn("events: endpoint {}: reading its cursor: {}", endpoint_.name,
                   read.error().message);
      pause(options_.poll, stop);
      return true;
    }
    cursor_ = std::move(*read);
  }
  metadata::EventCursor* cursor = &*cursor_;
  if (const std::int64_t wait = cursor->next_attempt_ms - now_ms(); wait > 0) {
    pause(std::min(std::chrono::milliseconds(wait), options_.poll), stop);
    return true;
  }
  auto rows = store_.events_after(cursor->delivered, options_.batch);
  if (!rows) {
    spdlog::warn("events: endpoint {}: reading the outbox: {}", endpoint_.name,
                 rows.error().message);
    pause(options_.poll, stop);
    return true;
  }
  if (rows->empty()) return false;

  // What goes in this request: the first event the endpoint accepts (CloudEvents), or every
  // one of the page (an envelope); the events it does not accept before them are passed over.
  std::vector<SerializedEvent> selected;
  std::int64_t through = cursor->delivered;
  for (const metadata::OutboxEvent& row : *rows) {
    through = row.id;
    const auto action = parse_action(row.action);
    const auto rest = payload_rest(row.payload, endpoint_.format);
    if (!action || !rest) {
      spdlog::error("events: passing over event {}: not a row this version of regmirror wrote",
                    row.id);
      continue;
    }
    if (endpoint_.accepts && !endpoint_.accepts(*action, row.repository)) continue;
    selected.push_back(SerializedEvent{.id = row.id, .rest = *rest});
    if (endpoint_.format == Format::kCloudEvents) break;
  }
  if (!selected.empty()) {
    if (auto sent = send(selected, stop); !sent) {
      if (!stop.stop_requested()) failed(cursor->attempts + 1, sent.error().message);
      return true;
    }
  }
  if (auto advanced = store_.advance_event_cursor(endpoint_.name, through); !advanced) {
    // Delivered but not recorded: sent again once the database answers (at least once).
    spdlog::warn("events: endpoint {}: moving its cursor: {}", endpoint_.name,
                 advanced.error().message);
    cursor_.reset();
    pause(options_.poll, stop);
    return true;
  }
  *cursor = metadata::EventCursor{.delivered = through};
  return true;
}

oci::Result<void> Deliverer::send(std::span<const SerializedEvent> events,
                                  const std::stop_token& stop) {
  WebhookRequest request;
  request.url = endpoint_.url;
  request.timeout = endpoint_.timeout;
  if (endpoint_.format == Format::kCloudEvents) {
    request.content_type = kCloudEventContentType;
    request.body = cloudevent_body(events.front().id, events.front().rest);
  } else {
    request.content_type = kDistributionContentType;
    request.body = distribution_envelope(events);
  }
  if (!endpoint_.secret.empty()) {
    const std::int64_t seconds = now_ms() / 1000;
    request.headers.push_back(std::string(kSignatureHeader) + ": " +
                              signature(endpoint_.secret, seconds, request.body));
  }
  auto status = webhook_.post(request, stop);
  if (!status) return std::unexpected(status.error());
  if (*status < 200 || *status > 299) {
    return oci::fail(oci::ErrorCode::kInternal, "HTTP " + std::to_string(*status));
  }
  return {};
}

void Deliverer::failed(std::int64_t attempts, const std::string& error) {
  const auto delay = retry_delay(options_.backoff, attempts, jitter());
  spdlog::warn("events: endpoint {} ({}): {}; attempt {} failed, next in {} ms", endpoint_.name,
               endpoint_.url, error, attempts, delay.count());
  const std::int64_t next_attempt_ms = now_ms() + delay.count();
  cursor_->attempts = attempts;
  cursor_->next_attempt_ms = next_attempt_ms;
  cursor_->last_error = error;
  if (auto recorded = store_.record_event_failure(endpoint_.name, next_attempt_ms, error);
      !recorded) {
    spdlog::warn("events: endpoint {}: recording a failure: {}", endpoint_.name,
                 recorded.error().message);
  }
}

}  // namespace events
