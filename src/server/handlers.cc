#include "server/handlers.h"

#include "server/auth_gate.h"

namespace server {

// Errors are named before co_await: GCC 12 destroys a temporary bound to a reference
// parameter of an awaited coroutine twice.
asio::awaitable<void> method_not_allowed(Exchange& exchange) {
  const oci::Error error{oci::ErrorCode::kUnsupported, "method not allowed on this endpoint",
                         std::string(http::to_string(exchange.method()))};
  co_await exchange.send_error(error);
}

asio::awaitable<void> handle_request(Exchange& exchange, const Route& route, Context& context) {
  const bool read = exchange.method() == http::verb::get || exchange.method() == http::verb::head;
  // With auth off no request pays for the gate (a coroutine frame on the hottest path).
  if (context.authenticator != nullptr && !co_await admit(exchange, route, context)) co_return;
  switch (route.resource) {
    case Resource::kHealth:
    case Resource::kBase: {
      if (!read) co_return co_await method_not_allowed(exchange);
      auto response = exchange.make_response(http::status::ok);
      response.set(http::field::content_type, "application/json");
      response.body() = "{}";
      co_return co_await exchange.send(std::move(response));
    }
    case Resource::kToken:
      co_return co_await handle_token(exchange, route, context);
    case Resource::kCatalog:
      co_return co_await handle_catalog(exchange, route, context);
    case Resource::kTags:
      co_return co_await handle_tags(exchange, route, context);
    case Resource::kManifest:
      co_return co_await handle_manifest(exchange, route, context);
    case Resource::kBlob:
      co_return co_await handle_blob(exchange, route, context);
    case Resource::kUploads:
      co_return co_await handle_uploads(exchange, route, context);
    case Resource::kUpload:
      co_return co_await handle_upload(exchange, route, context);
    case Resource::kReferrers:
      co_return co_await handle_referrers(exchange, route, context);
    case Resource::kSyncSets:
      co_return co_await handle_sync_sets(exchange, route, context);
    case Resource::kNone:
      break;
  }
  const oci::Error error{oci::ErrorCode::kNameUnknown, "no such endpoint",
                         std::string(exchange.target().substr(0, 256))};
  co_await exchange.send_error(error);
}

}  // namespace server
