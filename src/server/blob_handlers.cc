// GET/HEAD/DELETE /v2/<name>/blobs/<digest>
#include "oci/http_range.h"
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

  auto response = exchange.make_header(http::status::ok);
  response.set(http::field::content_type, "application/octet-stream");
  response.set("Docker-Content-Digest", blob->digest.str());
  response.set(http::field::etag, "\"" + blob->digest.str() + "\"");
  response.set(http::field::accept_ranges, "bytes");

  oci::ByteRange range{0, blob->size == 0 ? 0 : blob->size - 1};
  const std::string_view range_header = exchange.header(http::field::range);
  if (!range_header.empty()) {
    auto requested = oci::parse_range(range_header, blob->size);
    if (!requested) {
      auto refused = exchange.make_response(http::status::range_not_satisfiable);
      refused.set(http::field::content_range, "bytes */" + std::to_string(blob->size));
      co_return co_await exchange.send(std::move(refused));
    }
    range = *requested;
    response.result(http::status::partial_content);
    response.set(http::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                                 std::to_string(range.last) + "/" +
                                                 std::to_string(blob->size));
  }
  const std::uint64_t length = blob->size == 0 ? 0 : range.length();
  if (exchange.method() == http::verb::head || length == 0) {
    response.content_length(length);
    co_return co_await exchange.send_header(std::move(response));
  }
  auto reader = co_await offload(context, [&] { return registry.open_blob(*blob, range.first); });
  if (!reader) co_return co_await exchange.send_error(reader.error());
  co_await exchange.send_blob(std::move(response), **reader, length, context.blocking);
}

}  // namespace

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
