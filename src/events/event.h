// What happened in the registry that webhooks are told about, and its form in the outbox.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "metadata/store.h"
#include "oci/error.h"

namespace events {

enum class Action {
  kPush,         // a manifest PUT
  kPull,         // a manifest GET (not HEAD, not blobs)
  kDelete,       // a manifest or tag DELETE
  kTag,          // a tag created, or moved to another manifest
  kGcDelete,     // garbage collection removed a manifest or blob
  kMirrorFetch,  // pull-through stored a manifest or blob fetched from its upstream
};

// "push", "pull", "delete", "tag", "gc.delete", "mirror.fetch".
std::string_view action_name(Action action);
std::optional<Action> parse_action(std::string_view name);

// The HTTP request that caused the event, as far as it is known.
// (Initializers everywhere: designated initializers may leave any field out without a warning.)
struct Request {
  std::string id{};          // a request id; empty until the server has them
  std::string addr{};        // the client's address
  std::string host{};        // the Host the client asked for
  std::string method{};      // GET, PUT, DELETE
  std::string user_agent{};  // the client's User-Agent
  bool secure = false;       // over TLS
};

// (Initializers everywhere, as in Request.)
struct Event {
  std::int64_t id = 0;  // given by the outbox; 0 until stored
  std::chrono::system_clock::time_point time{};
  Action action = Action::kPush;
  std::string repository{};
  std::string digest{};  // may be empty (a tag delete)
  std::string tag{};     // may be empty
  std::string media_type{};
  std::uint64_t size = 0;
  std::string user{};  // empty: anonymous or no auth
  Request request{};
  std::string source{};  // the host name of the process where it happened
};

// How an endpoint is sent events.
enum class Format {
  kCloudEvents,   // one CloudEvents 1.0 structured-mode event per request
  kDistribution,  // distribution's envelope of several events per request
};

// The outbox row of an event. Its payload is the event's JSON in each format but its id (which
// the outbox gives), serialized once here: delivery splices the id in and concatenates, never
// parsing (payload_rest).
metadata::OutboxEvent to_outbox(const Event& event);
// The part of a payload to_outbox made that follows the id in `format`; nullopt for another
// payload.
std::optional<std::string_view> payload_rest(std::string_view payload, Format format);

// An event as delivery has it from the outbox: its id and payload_rest.
struct SerializedEvent {
  std::int64_t id = 0;
  std::string_view rest;
};

// RFC 3339 in UTC with milliseconds: "2026-12-05T09:14:19.123Z".
std::string rfc3339(std::chrono::system_clock::time_point time);

}  // namespace events
