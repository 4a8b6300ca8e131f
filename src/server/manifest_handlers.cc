// GET/HEAD/PUT/DELETE /v2/<name>/manifests/<reference>
#include <array>

#include "server/event_hooks.h"
#include "server/handlers.h"
#include "server/quota_ledger.h"

namespace server {
namespace {

// The request pulls make most: answered from the registry's caches on this thread when they
// hold it (no hop to the blocking pool), otherwise from the database and storage there;
// written without copies.
asio::awaitable<void> get_manifest(Exchange& exchange, const Route& route, Context& context) {
  auto& registry = context.registry;
  oci::Result<registry::ManifestContent> manifest =
      oci::fail(oci::ErrorCode::kInternal, "not looked up");
  if (auto cached = registry.cached_manifest(route.name, route.reference)) {
    manifest = std::move(*cached);
  } else {
    manifest = co_await offload(context,
                                [&] { return registry.get_manifest(route.name, route.reference); });
  }
  if (!manifest) co_return co_await exchange.send_error(manifest.error());
  if (exchange.method() == http::verb::get) {
    record_pull(route, context, *manifest);
    emit_pull(exchange, route, context, *manifest);
  }
  co_await send_manifest(exchange, *manifest);
}

// Blocking: whether storing the manifest `body` leaves every quota of the repository room (its
// blobs are linked there already: only its own bytes count); `adding` gets the quotas it adds
// to, those whose namespace does not hold it yet.
oci::Result<void> admit_manifest(const Route& route, Context& context, std::string_view body,
                                 QuotaLedger::Quotas& adding) {
  if (context.quotas == nullptr) return {};
  const QuotaLedger::Quotas covering = context.quotas->covering(route.name);
  if (covering.empty()) return {};
  // Pushed by digest, its algorithm; else what put_manifest computes.
  const auto reference = oci::Digest::parse(route.reference);
  const oci::Digest digest =
      oci::digest_of(body, reference ? reference->algorithm() : oci::DigestAlgorithm::kSha256);
  auto added = context.quotas->adding(covering, digest.str());
  if (!added) return std::unexpected(std::move(added.error()));
  if (auto admitted = context.quotas->admit(*added, body.size()); !admitted) return admitted;
  adding = std::move(*added);
  return {};
}

asio::awaitable<void> put_manifest(Exchange& exchange, const Route& route, Context& context) {
  auto& registry = context.registry;
  auto body = co_await exchange.read_body_string(registry.options().max_manifest_bytes);
  if (!body) co_return co_await exchange.send_error(body.error());
  const std::string content_type(exchange.header(http::field::content_type));
  const bool by_tag = is_tag_reference(route.reference);
  QuotaLedger::Quotas adding;
  auto stored = co_await offload(context, [&]() -> oci::Result<registry::PutManifestResult> {
    if (auto admitted = admit_manifest(route, context, *body, adding); !admitted) {
      return std::unexpected(std::move(admitted.error()));
    }
    return registry.put_manifest(route.name, route.reference, content_type, std::move(*body));
  });
  if (!stored) co_return co_await exchange.send_error(stored.error());
  if (!adding.empty()) context.quotas->charge(adding, stored->size);
  if (events_enabled(context)) {
    events::Event pushed = request_event(exchange, events::Action::kPush, route.name);
    pushed.digest = stored->digest.str();
    pushed.media_type = stored->media_type;
    pushed.size = stored->size;
    if (by_tag) pushed.tag = route.reference;
    // Where the tag pointed before, as the store's transaction saw it: a tag created or moved,
    // not one pushed again.
    if (by_tag && stored->tagged_before != pushed.digest) {
      events::Event tag_moved = pushed;
      tag_moved.action = events::Action::kTag;
      emit_event(context, std::move(pushed));
      // Queued after the push: once it is written, so is the push.
      co_await emit_event_written(context, std::move(tag_moved));
    } else {
      co_await emit_event_written(context, std::move(pushed));
    }
  }
  auto response = exchange.make_header(http::status::created);
  response.set(http::field::location, "/v2/" + route.name + "/manifests/" + stored->digest.str());
  response.set("Docker-Content-Digest", stored->digest.str());
  if (stored->subject) response.set("OCI-Subject", *stored->subject);
  co_await exchange.send_header(std::move(response));
}

asio::awaitable<void> delete_manifest(Exchange& exchange, const Route& route, Context& context) {
  auto deleted = co_await offload(
      context, [&] { return context.registry.delete_manifest(route.name, route.reference); });
  if (!deleted) co_return co_await exchange.send_error(deleted.error());
  if (events_enabled(context)) {
    events::Event event = request_event(exchange, events::Action::kDelete, route.name);
    (is_tag_reference(route.reference) ? event.tag : event.digest) = route.reference;
    co_await emit_event_written(context, std::move(event));
  }
  co_await exchange.send_header(exchange.make_header(http::status::accepted));
}

}  // namespace

void record_pull(const Route& route, Context& context, const registry::ManifestContent& manifest) {
  if (context.pulls != nullptr) context.pulls->record(route.name, manifest.digest.str());
}

void emit_pull(const Exchange& exchange, const Route& route, Context& context,
               const registry::ManifestContent& manifest) {
  if (!events_recorded(context, events::Action::kPull)) return;
  events::Event event = request_event(exchange, events::Action::kPull, route.name);
  event.digest = manifest.digest.str();
  if (is_tag_reference(route.reference)) event.tag = route.reference;
  event.media_type = manifest.media_type;
  event.size = manifest.bytes->size();
  emit_event(context, std::move(event));
}

asio::awaitable<void> send_manifest(Exchange& exchange, const registry::ManifestContent& manifest) {
  const std::string& digest = manifest.digest.str();
  const std::array<HeaderLine, 3> headers{{
      {"Content-Type", manifest.media_type},
      {"Docker-Content-Digest", digest},
      {"ETag", digest, true},
  }};
  co_await exchange.send_bytes(http::status::ok, headers, *manifest.bytes);
}

asio::awaitable<void> handle_manifest(Exchange& exchange, const Route& route, Context& context) {
  switch (exchange.method()) {
    case http::verb::get:
    case http::verb::head:
      co_return co_await get_manifest(exchange, route, context);
    case http::verb::put:
      co_return co_await put_manifest(exchange, route, context);
    case http::verb::delete_:
      co_return co_await delete_manifest(exchange, route, context);
    default:
      co_return co_await method_not_allowed(exchange);
  }
}

}  // namespace server
