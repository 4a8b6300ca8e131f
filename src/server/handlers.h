// One handler per Distribution API resource (as distribution's registry/handlers does).
// Handlers stay thin: parse the request, call registry/, write the response.
#pragma once

#include "mirror/upstream.h"
#include "server/context.h"
#include "server/exchange.h"
#include "server/route.h"

namespace server {

asio::awaitable<void> handle_request(Exchange& exchange, const Route& route, Context& context);
// The handler of the route's resource (no frame of its own: it returns that handler's).
asio::awaitable<void> handle_resource(Exchange& exchange, const Route& route, Context& context);
// A repository inside an upstream's namespace (pull_through_handlers.cc).
asio::awaitable<void> handle_mirrored(Exchange& exchange, const Route& route, Context& context,
                                      const mirror::UpstreamMatch& match);
asio::awaitable<void> handle_mirrored_tags(Exchange& exchange, const Route& route, Context& context,
                                           const mirror::UpstreamMatch& match);
asio::awaitable<void> handle_mirrored_referrers(Exchange& exchange, const Route& route,
                                                Context& context,
                                                const mirror::UpstreamMatch& match);
asio::awaitable<void> handle_upstreams(Exchange& exchange, const Route& route, Context& context);

asio::awaitable<void> handle_blob(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_uploads(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_upload(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_manifest(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_tags(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_catalog(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_referrers(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_token(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_sync_sets(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_gc(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_status(Exchange& exchange, const Route& route, Context& context);
// The web UI's JSON (ui_api_handlers.cc, docs/api.md).
asio::awaitable<void> handle_session(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_ui_repositories(Exchange& exchange, const Route& route,
                                             Context& context);
asio::awaitable<void> handle_ui_tags(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_ui_image(Exchange& exchange, const Route& route, Context& context);
// The web UI (ui_handler.cc); with ui.enabled false its paths are unknown ones (404).
asio::awaitable<void> handle_ui(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_metrics(Exchange& exchange, const Route& route, Context& context);

// Notes a manifest GET (not HEAD) for retention's keep_pulled_within, in memory.
void record_pull(const Route& route, Context& context, const registry::ManifestContent& manifest);
// Emits the pull event of a manifest GET (not for HEAD) when events are recorded.
void emit_pull(const Exchange& exchange, const Route& route, Context& context,
               const registry::ManifestContent& manifest);
// A manifest with its Content-Type, Docker-Content-Digest and ETag.
asio::awaitable<void> send_manifest(Exchange& exchange, const registry::ManifestContent& manifest);
// A blob the registry stores, whole or the request's Range of it.
asio::awaitable<void> send_stored_blob(Exchange& exchange, const registry::BlobInfo& blob,
                                       Context& context);

// 405 with the spec's UNSUPPORTED body.
asio::awaitable<void> method_not_allowed(Exchange& exchange);

}  // namespace server
