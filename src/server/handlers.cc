#include "server/handlers.h"

#include "mirror/pull_through.h"
#include "server/auth_gate.h"

namespace server {
namespace {

asio::awaitable<void> send_base(Exchange& exchange) {
  const bool read = exchange.method() == http::verb::get || exchange.method() == http::verb::head;
  if (!read) co_return co_await method_not_allowed(exchange);
  auto response = exchange.make_response(http::status::ok);
  response.set(http::field::content_type, "application/json");
  response.body() = "{}";
  co_await exchange.send(std::move(response));
}

asio::awaitable<void> no_such_endpoint(Exchange& exchange) {
  const oci::Error error{oci::ErrorCode::kNameUnknown, "no such endpoint",
                         std::string(exchange.target().substr(0, 256))};
  co_await exchange.send_error(error);
}

// GET /metrics with metrics.auth none: served to anyone, without looking at credentials.
bool open_metrics(const Route& route, const Context& context) {
  return route.resource == Resource::kMetrics && context.metrics_config != nullptr &&
         context.metrics_config->auth == MetricsAuth::kNone;
}

}  // namespace

// Errors are named before co_await: GCC 12 destroys a temporary bound to a reference
// parameter of an awaited coroutine twice.
asio::awaitable<void> method_not_allowed(Exchange& exchange) {
  const oci::Error error{oci::ErrorCode::kUnsupported, "method not allowed on this endpoint",
                         std::string(http::to_string(exchange.method()))};
  co_await exchange.send_error(error);
}

asio::awaitable<void> handle_resource(Exchange& exchange, const Route& route, Context& context) {
  switch (route.resource) {
    case Resource::kHealth:
    case Resource::kBase:
      return send_base(exchange);
    case Resource::kToken:
      return handle_token(exchange, route, context);
    case Resource::kUpstreams:
      return handle_upstreams(exchange, route, context);
    case Resource::kCatalog:
      return handle_catalog(exchange, route, context);
    case Resource::kTags:
      return handle_tags(exchange, route, context);
    case Resource::kManifest:
      return handle_manifest(exchange, route, context);
    case Resource::kBlob:
      return handle_blob(exchange, route, context);
    case Resource::kUploads:
      return handle_uploads(exchange, route, context);
    case Resource::kUpload:
      return handle_upload(exchange, route, context);
    case Resource::kReferrers:
      return handle_referrers(exchange, route, context);
    case Resource::kSyncSets:
      return handle_sync_sets(exchange, route, context);
    case Resource::kGc:
      return handle_gc(exchange, route, context);
    case Resource::kStatus:
      return handle_status(exchange, route, context);
    case Resource::kSession:
      return handle_session(exchange, route, context);
    case Resource::kUiRepositories:
      return handle_ui_repositories(exchange, route, context);
    case Resource::kUiTags:
      return handle_ui_tags(exchange, route, context);
    case Resource::kUiImage:
      return handle_ui_image(exchange, route, context);
    case Resource::kUi:
      if (!context.ui_enabled) break;
      return handle_ui(exchange, route, context);
    case Resource::kMetrics:
      return handle_metrics(exchange, route, context);
    case Resource::kNone:
      break;
  }
  return no_such_endpoint(exchange);
}

asio::awaitable<void> handle_request(Exchange& exchange, const Route& route, Context& context) {
  // With auth off no request pays for the gate (a coroutine frame on the hottest path).
  if (context.authenticator != nullptr && !open_metrics(route, context) &&
      !co_await admit(exchange, route, context)) {
    co_return;
  }
  // The web UI's views of a repository show what this registry holds, mirrored or not.
  const bool view = route.resource == Resource::kUiTags || route.resource == Resource::kUiImage;
  if (context.mirror != nullptr && !route.name.empty() && !view) {
    if (const auto match = context.mirror->match(route.name)) {
      co_return co_await handle_mirrored(exchange, route, context, *match);
    }
  }
  co_await handle_resource(exchange, route, context);
}

}  // namespace server
