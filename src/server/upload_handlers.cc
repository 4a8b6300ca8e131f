// POST /v2/<name>/blobs/uploads/ and GET/PATCH/PUT/DELETE /v2/<name>/blobs/uploads/<id>
#include <array>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <vector>

#include "oci/http_range.h"
#include "server/handlers.h"
#include "server/quota_ledger.h"

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

// The quotas an upload counts against: all of them, what the upload held before included, must
// have room for its bytes. None without quotas or when none covers the repository.
struct UploadQuotas {
  QuotaLedger* ledger = nullptr;
  QuotaLedger::Quotas quotas;
  // False while the digest is unknown (a PATCH): the namespace may hold the blob already, so
  // only an upload larger than a limit itself is refused; the PUT checks the usage.
  bool with_usage = true;

  oci::Result<void> admit(std::uint64_t upload_bytes) const {
    if (ledger == nullptr || quotas.empty()) return {};
    return ledger->admit(quotas, upload_bytes, with_usage);
  }
};

UploadQuotas covering_quotas(const Route& route, Context& context) {
  if (context.quotas == nullptr) return {};
  return {context.quotas, context.quotas->covering(route.name)};
}

// Streams the request body into the upload: read on the connection's thread, written (and
// hashed) on the blocking pool a megabyte at a time, so that a slow disk never holds up the
// sockets and the pool is not asked for every small piece the network delivers. Each piece is
// written while the next one is read. What arrived before the client went away is written
// too, so that it can resume from there (except bytes written in place, see append_upload:
// the upload stays empty then). The appender stays usable for completion. A piece that would
// take the upload over a quota is not written: the quota's kDenied ends the body there.
asio::awaitable<oci::Result<void>> receive_body(Exchange& exchange, Context& context,
                                                registry::UploadAppender& appender,
                                                const UploadQuotas& quotas) {
  using namespace asio::experimental::awaitable_operators;
  constexpr std::size_t kPieceBytes = std::size_t{1} << 20;
  std::array<std::vector<std::byte>, 2> buffers{std::vector<std::byte>(kPieceBytes),
                                                std::vector<std::byte>(kPieceBytes)};
  std::size_t current = 0;
  BodyPiece piece = co_await read_piece(exchange, buffers[current]);
  while (piece.size > 0) {
    if (auto admitted = quotas.admit(appender.size() + piece.size); !admitted) co_return admitted;
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

// receive_body, with the body's announced length refused before a byte of it is read when it
// would take the upload over a quota.
asio::awaitable<oci::Result<void>> receive_within(Exchange& exchange, Context& context,
                                                  registry::UploadAppender& appender,
                                                  const UploadQuotas& quotas) {
  const std::uint64_t announced = exchange.content_length().value_or(0);
  if (auto admitted = quotas.admit(appender.size() + announced); !admitted) co_return admitted;
  co_return co_await receive_body(exchange, context, appender, quotas);
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

// Refused by a quota: the upload goes, with what it held (nothing of it was linked), and the
// client is told why.
asio::awaitable<void> refuse(Exchange& exchange, const Route& route, Context& context,
                             std::string_view id,
                             std::unique_ptr<registry::UploadAppender>& appender,
                             const oci::Error& denial) {
  appender->abandon();
  co_await release(context, appender);
  co_await offload(context, [&] { return context.registry.cancel_upload(route.name, id); });
  co_await exchange.send_error(denial);
}

asio::awaitable<void> append_chunk(Exchange& exchange, const Route& route, Context& context) {
  auto range = chunk_range(exchange);
  if (!range) co_return co_await exchange.send_error(range.error());
  UploadQuotas quotas = covering_quotas(route, context);
  quotas.with_usage = false;
  auto appender = co_await offload(context, [&] {
    return context.registry.append_upload(route.name, route.reference, *range,
                                          exchange.content_length());
  });
  if (!appender) co_return co_await exchange.send_error(appender.error());
  auto received = co_await receive_within(exchange, context, **appender, quotas);
  if (!received && received.error().code == ErrorCode::kDenied) {
    co_return co_await refuse(exchange, route, context, route.reference, *appender,
                              received.error());
  }
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
  UploadQuotas quotas = covering_quotas(route, context);
  auto appender =
      co_await offload(context, [&]() -> oci::Result<std::unique_ptr<registry::UploadAppender>> {
        // A blob the namespace holds already adds nothing to its quota.
        if (!quotas.quotas.empty()) {
          auto adding = quotas.ledger->adding(quotas.quotas, digest->str());
          if (!adding) return std::unexpected(std::move(adding.error()));
          quotas.quotas = std::move(*adding);
        }
        return context.registry.append_upload(route.name, id, *range, exchange.content_length(),
                                              &*digest);
      });
  if (!appender) co_return co_await exchange.send_error(appender.error());
  auto received = co_await receive_within(exchange, context, **appender, quotas);
  if (!received && received.error().code == ErrorCode::kDenied) {
    co_return co_await refuse(exchange, route, context, id, *appender, received.error());
  }
  if (!received) {
    co_await release(context, *appender);
    co_return co_await exchange.send_error(received.error());
  }
  auto blob = co_await offload(context, [&] {
    return context.registry.complete_upload(route.name, std::move(*appender), digest->str());
  });
  if (!blob) co_return co_await exchange.send_error(blob.error());
  if (quotas.ledger != nullptr) quotas.ledger->charge(quotas.quotas, blob->size);
  co_await send_blob_created(exchange, route, *blob);
}

// Blocking: whether mounting `mount` from `from` leaves every quota of the repository room;
// `adding` gets the quotas it adds to (those whose namespace does not hold the blob yet). A
// blob `from` does not link is left to mount_blob to refuse.
oci::Result<void> admit_mount(const Route& route, Context& context, QuotaLedger::Quotas& adding) {
  if (context.quotas == nullptr) return {};
  const QuotaLedger::Quotas covering = context.quotas->covering(route.name);
  if (covering.empty()) return {};
  auto blob = context.registry.stat_blob(route.param("from"), route.param("mount"));
  if (!blob) return {};
  auto added = context.quotas->adding(covering, blob->digest.str());
  if (!added) return std::unexpected(std::move(added.error()));
  if (auto admitted = context.quotas->admit(*added, blob->size); !admitted) return admitted;
  adding = std::move(*added);
  return {};
}

}  // namespace

asio::awaitable<void> handle_uploads(Exchange& exchange, const Route& route, Context& context) {
  if (exchange.method() != http::verb::post) co_return co_await method_not_allowed(exchange);
  auto& registry = context.registry;
  // A mount from a repository the caller may not pull is a plain upload: nothing tells
  // whether the blob is there.
  if (route.has_param("mount") && route.has_param("from") &&
      exchange.caller().may(auth::Action::kPull, route.param("from"))) {
    QuotaLedger::Quotas adding;
    auto mounted = co_await offload(context, [&]() -> oci::Result<registry::BlobInfo> {
      if (auto admitted = admit_mount(route, context, adding); !admitted) {
        return std::unexpected(std::move(admitted.error()));
      }
      return registry.mount_blob(route.name, route.param("mount"), route.param("from"));
    });
    if (mounted && !adding.empty()) context.quotas->charge(adding, mounted->size);
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
