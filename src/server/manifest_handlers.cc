// GET/HEAD/PUT/DELETE /v2/<name>/manifests/<reference>
#include <array>

#include "server/handlers.h"

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
  co_await send_manifest(exchange, *manifest);
}

asio::awaitable<void> put_manifest(Exchange& exchange, const Route& route, Context& context) {
  auto& registry = context.registry;
  auto body = co_await exchange.read_body_string(registry.options().max_manifest_bytes);
  if (!body) co_return co_await exchange.send_error(body.error());
  const std::string content_type(exchange.header(http::field::content_type));
  auto stored = co_await offload(context, [&] {
    return registry.put_manifest(route.name, route.reference, content_type, std::move(*body));
  });
  if (!stored) co_return co_await exchange.send_error(stored.error());
  auto response = exchange.make_header(http::status::created);
  response.set(http::field::location, "/v2/" + route.name + "/manifests/" + stored->digest.str());
  response.set("Docker-Content-Digest", stored->digest.str());
  if (stored->subject) response.set("OCI-Subject", *stored->subject);
  co_await exchange.send_header(std::move(response));
}

}  // namespace

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
    case http::verb::delete_: {
      auto deleted = co_await offload(
          context, [&] { return context.registry.delete_manifest(route.name, route.reference); });
      if (!deleted) co_return co_await exchange.send_error(deleted.error());
      co_return co_await exchange.send_header(exchange.make_header(http::status::accepted));
    }
    default:
      co_return co_await method_not_allowed(exchange);
  }
}

}  // namespace server
