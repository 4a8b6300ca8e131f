// POST /v2/<name>/blobs/uploads/ and GET/PATCH/PUT/DELETE /v2/<name>/blobs/uploads/<id>
#include <array>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <vector>

#include "oci/http_range.h"
#include "server/handlers.h"

namespace server {
namespace {

using oci::ErrorCode;

std::string upload_location(const Route& route, std::string_view id) {
  return "/v2/" + route.name + "/blobs/uploads/" + std::string(id);
}

std::string range_value(std::uint64_t size) {
  return "0-" + std::to_string(size == 0 ? 0 : size - 1);
}

asio::awaitable<void> send_upload_state(Exchange& exchange, const Route& route, http::status status,
                                        const registry::UploadState& state) {
  auto response = exchange.make_header(status);
  response.set(http::field::location, upload_location(route, state.id));
  response.set(http::field::range, range_value(state.size));
  response.set("Docker-Upload-UUID", state.id);
  co_await exchange.send_header(std::move(response));
}

asio::awaitable<void> send_blob_created(Exchange& exchange, const Route& route,
                                        const registry::BlobInfo& blob) {
  auto response = exchange.make_header(http::status::created);
  response.set(http::field::location, "/v2/" + route.name + "/blobs/" + blob.digest.str());
  response.set("Docker-Content-Digest", blob.digest.str());
  co_await exchange.send_header(std::move(response));
}

// One piece of a request body: `size` bytes read; `more` while the body goes on.
struct BodyPiece {
  std::size_t size = 0;
  bool more = false;
  oci::Result<void> received;  // why the body ended early, if it did
};

// Fills `buffer` from the body, short only at its end (or when the client went away).
asio::awaitable<BodyPiece> read_piece(Exchange& exchange, std::span<std::byte> buffer) {
  BodyPiece piece;
  piece.more = true;
  while (piece.size < buffer.size()) {
    auto n = co_await exchange.read_body(buffer.subspan(piece.size));
    if (!n) piece.received = std::unexpected(std::move(n.error()));
    if (!n || *n == 0) {
      piece.more = false;
      break;
    }
    piece.size += *n;
  }
  co_return piece;
}

// Streams the request body into the upload: read on the connection's thread, written (and
// hashed) on the blocking pool a megabyte at a time, so that a slow disk never holds up the
// sockets and the pool is not asked for every small piece the network delivers. Each piece is
// written while the next one is read. What arrived before the client went away is written
// too, so that it can resume from there (except bytes written in place, see append_upload:
// the upload stays empty then). The appender stays usable for completion.
asio::awaitable<oci::Result<void>> receive_body(Exchange& exchange, Context& context,
                                                registry::UploadAppender& appender) {
  using namespace asio::experimental::awaitable_operators;
  constexpr std::size_t kPieceBytes = std::size_t{1} << 20;
  std::array<std::vector<std::byte>, 2> buffers{std::vector<std::byte>(kPieceBytes),
                                                std::vector<std::byte>(kPieceBytes)};
  std::size_t current = 0;
  BodyPiece piece = co_await read_piece(exchange, buffers[current]);
  while (piece.size > 0) {
    const auto write = [&, bytes = std::span(buffers[current]).first(piece.size)] {
      return offload(context, [&appender, bytes] { return appender.write(bytes); });
    };
    if (!piece.more) {
      if (auto written = co_await write(); !written) co_return written;
      break;
    }
    auto [written, next] = co_await (write() && read_piece(exchange, buffers[1 - current]));
    if (!written) co_return written;
    piece = std::move(next);
    current = 1 - current;
  }
  co_return piece.received;
}

// Drops the appender on the blocking pool: dropping one that was not finished records its
// size, which syncs the file and writes to the database.
asio::awaitable<void> release(Context& context,
                              std::unique_ptr<registry::UploadAppender>& appender) {
  co_await offload(context, [&] {
    appender.reset();
    return true;
  });
}

// The Content-Range of a chunk, checked against Content-Length when both are given.
oci::Result<std::optional<oci::ByteRange>> chunk_range(const Exchange& exchange) {
  const std::string_view header = exchange.header(http::field::content_range);
  if (header.empty()) return std::nullopt;
  auto range = oci::parse_content_range(header);
  if (!range) return std::unexpected(range.error());
  if (auto length = exchange.content_length(); length && *length != range->length()) {
    return oci::fail(ErrorCode::kRangeInvalid, "Content-Range does not match Content-Length");
  }
  return *range;
}

asio::awaitable<void> append_chunk(Exchange& exchange, const Route& route, Context& context) {
  auto range = chunk_range(exchange);
  if (!range) co_return co_await exchange.send_error(range.error());
  auto appender = co_await offload(context, [&] {
    return context.registry.append_upload(route.name, route.reference, *range,
                                          exchange.content_length());
  });
  if (!appender) co_return co_await exchange.send_error(appender.error());
  auto received = co_await receive_body(exchange, context, **appender);
  auto size = co_await offload(context, [&] { return (*appender)->finish(); });
  // Release the upload before answering: a client may send the PUT the moment it reads 202.
  appender->reset();
  if (!received) co_return co_await exchange.send_error(received.error());
  if (!size) co_return co_await exchange.send_error(size.error());
  const registry::UploadState state{.id = route.reference, .size = *size, .hash_state = {}};
  co_await send_upload_state(exchange, route, http::status::accepted, state);
}

// PUT ?digest=: the last chunk (optional), then verify and link.
asio::awaitable<void> complete(Exchange& exchange, const Route& route, Context& context,
                               std::string_view id) {
  if (!route.has_param("digest")) {
    const oci::Error error{ErrorCode::kDigestInvalid, "the digest query parameter is required"};
    co_return co_await exchange.send_error(error);
  }
  auto digest = oci::Digest::parse(route.param("digest"));
  if (!digest) co_return co_await exchange.send_error(digest.error());
  auto range = chunk_range(exchange);
  if (!range) co_return co_await exchange.send_error(range.error());
  auto appender = co_await offload(context, [&] {
    return context.registry.append_upload(route.name, id, *range, exchange.content_length(),
                                          &*digest);
  });
  if (!appender) co_return co_await exchange.send_error(appender.error());
  if (auto received = co_await receive_body(exchange, context, **appender); !received) {
    co_await release(context, *appender);
    co_return co_await exchange.send_error(received.error());
  }
  auto blob = co_await offload(context, [&] {
    return context.registry.complete_upload(route.name, std::move(*appender), digest->str());
  });
  if (!blob) co_return co_await exchange.send_error(blob.error());
  co_await send_blob_created(exchange, route, *blob);
}

}  // namespace

asio::awaitable<void> handle_uploads(Exchange& exchange, const Route& route, Context& context) {
  if (exchange.method() != http::verb::post) co_return co_await method_not_allowed(exchange);
  auto& registry = context.registry;
  // A mount from a repository the caller may not pull is a plain upload: nothing tells
  // whether the blob is there.
  if (route.has_param("mount") && route.has_param("from") &&
      exchange.caller().may(auth::Action::kPull, route.param("from"))) {
    auto mounted = co_await offload(context, [&] {
      return registry.mount_blob(route.name, route.param("mount"), route.param("from"));
    });
    if (mounted) co_return co_await send_blob_created(exchange, route, *mounted);
    const auto code = mounted.error().code;
    // Not mountable: the spec says to fall back to a regular upload session.
    if (code != ErrorCode::kBlobUnknown && code != ErrorCode::kNameInvalid) {
      co_return co_await exchange.send_error(mounted.error());
    }
  }
  auto upload = co_await offload(context, [&] { return registry.start_upload(route.name); });
  if (!upload) co_return co_await exchange.send_error(upload.error());
  if (route.has_param("digest")) {  // monolithic upload in the POST itself
    Route session = route;
    session.reference = upload->id;
    co_await complete(exchange, session, context, upload->id);
    if (exchange.status() != 201) {  // the client never learnt this session: do not keep it
      co_await offload(context, [&] { return registry.cancel_upload(route.name, upload->id); });
    }
    co_return;
  }
  co_await send_upload_state(exchange, route, http::status::accepted, *upload);
}

asio::awaitable<void> handle_upload(Exchange& exchange, const Route& route, Context& context) {
  auto& registry = context.registry;
  switch (exchange.method()) {
    case http::verb::get:
    case http::verb::head: {
      auto state = co_await offload(
          context, [&] { return registry.upload_status(route.name, route.reference); });
      if (!state) co_return co_await exchange.send_error(state.error());
      co_return co_await send_upload_state(exchange, route, http::status::no_content, *state);
    }
    case http::verb::patch:
      co_return co_await append_chunk(exchange, route, context);
    case http::verb::put:
      co_return co_await complete(exchange, route, context, route.reference);
    case http::verb::delete_: {
      auto cancelled = co_await offload(
          context, [&] { return registry.cancel_upload(route.name, route.reference); });
      if (!cancelled) co_return co_await exchange.send_error(cancelled.error());
      co_return co_await exchange.send_header(exchange.make_header(http::status::no_content));
    }
    default:
      co_return co_await method_not_allowed(exchange);
  }
}

}  // namespace server
