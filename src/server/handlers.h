// One handler per Distribution API resource (as distribution's registry/handlers does).
// Handlers stay thin: parse the request, call registry/, write the response.
#pragma once

#include "server/context.h"
#include "server/exchange.h"
#include "server/route.h"

namespace server {

asio::awaitable<void> handle_request(Exchange& exchange, const Route& route, Context& context);

asio::awaitable<void> handle_blob(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_uploads(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_upload(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_manifest(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_tags(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_catalog(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_referrers(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_token(Exchange& exchange, const Route& route, Context& context);
asio::awaitable<void> handle_sync_sets(Exchange& exchange, const Route& route, Context& context);

// 405 with the spec's UNSUPPORTED body.
asio::awaitable<void> method_not_allowed(Exchange& exchange);

}  // namespace server
