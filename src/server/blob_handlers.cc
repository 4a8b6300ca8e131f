// GET/HEAD/DELETE /v2/<name>/blobs/<digest>
#include "server/blob_response.h"
#include "server/handlers.h"

namespace server {
namespace {

asio::awaitable<void> get_blob(Exchange& exchange, const Route& route, Context& context) {
  auto& registry = context.registry;
  // A HEAD answered from memory needs no hop to the blocking pool.
  oci::Result<registry::BlobInfo> blob = oci::fail(oci::ErrorCode::kInternal, "not looked up");
  if (auto cached = registry.cached_blob(route.name, route.reference)) {
    blob = std::move(*cached);
  } else {
    blob =
        co_await offload(context, [&] { return registry.stat_blob(route.name, route.reference); });
  }
  if (!blob) co_return co_await exchange.send_error(blob.error());

  co_await send_stored_blob(exchange, *blob, context);
}

}  // namespace

asio::awaitable<void> send_stored_blob(Exchange& exchange, const registry::BlobInfo& blob,
                                       Context& context) {
  std::optional<BlobAnswer> answer = answer_blob(exchange, blob.digest, blob.size);
  if (!answer) co_return co_await refuse_range(exchange, blob.size);
  if (exchange.method() == http::verb::head || answer->length == 0) {
    answer->response.content_length(answer->length);
    co_return co_await exchange.send_header(std::move(answer->response));
  }
  // With storage.s3.redirect a GET goes to the bucket itself (its Range header with it).
  std::optional<std::string> url;
  auto reader = co_await offload(context, [&]() -> oci::Result<std::unique_ptr<storage::Reader>> {
    if (exchange.method() == http::verb::get) url = context.registry.blob_url(blob);
    if (url) return nullptr;
    return context.registry.open_blob(blob, answer->offset);
  });
  if (!reader) co_return co_await exchange.send_error(reader.error());
  if (url) {
    auto response = exchange.make_header(http::status::temporary_redirect);
    response.set(http::field::location, *url);
    response.set("Docker-Content-Digest", blob.digest.str());
    co_return co_await exchange.send_header(std::move(response));
  }
  co_await exchange.send_blob(std::move(answer->response), **reader, answer->length,
                              context.blocking);
}

asio::awaitable<void> handle_blob(Exchange& exchange, const Route& route, Context& context) {
  switch (exchange.method()) {
    case http::verb::get:
    case http::verb::head:
      co_return co_await get_blob(exchange, route, context);
    case http::verb::delete_: {
      auto deleted = co_await offload(
          context, [&] { return context.registry.delete_blob(route.name, route.reference); });
      if (!deleted) co_return co_await exchange.send_error(deleted.error());
      co_return co_await exchange.send_header(exchange.make_header(http::status::accepted));
    }
    default:
      co_return co_await method_not_allowed(exchange);
  }
}

}  // namespace server
