// Where the modules above emit events: registry handlers, pull-through, garbage collection.
// Emitting never waits on the database or the network (see outbox_writer.h).
#pragma once

#include <functional>

#include "events/event.h"

namespace events {

class Sink {
 public:
  virtual ~Sink() = default;
  // Queues the event for the outbox. Its time and source are filled in when left empty.
  virtual void emit(Event event) = 0;
  // The same, then calls `written` (on another thread) once the event is in the outbox or its
  // first attempt to get there failed: a handler awaits it to answer only after its event
  // stands (see docs/events.md). Called at once when nothing is recorded.
  virtual void emit(Event event, std::function<void()> written) = 0;
  // False when nothing is recorded (no endpoint configured): callers may skip building events.
  virtual bool enabled() const { return true; }
  // False when events of `action` are not recorded (no endpoint is sent them).
  virtual bool records(Action action) const {
    (void)action;
    return enabled();
  }
};

// No endpoint is configured: nothing is written.
class NullSink final : public Sink {
 public:
  void emit(Event) override {}
  void emit(Event, std::function<void()> written) override { written(); }
  bool enabled() const override { return false; }
};

}  // namespace events
