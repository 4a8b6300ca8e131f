#include "server/blob_response.h"

#include <string>

#include "oci/http_range.h"

namespace server {

std::optional<BlobAnswer> answer_blob(const Exchange& exchange, const oci::Digest& digest,
                                      std::uint64_t size) {
  BlobAnswer answer{exchange.make_header(http::status::ok), 0, 0};
  auto& response = answer.response;
  response.set(http::field::content_type, "application/octet-stream");
  response.set("Docker-Content-Digest", digest.str());
  response.set(http::field::etag, "\"" + digest.str() + "\"");
  response.set(http::field::accept_ranges, "bytes");

  oci::ByteRange range{0, size == 0 ? 0 : size - 1};
  const std::string_view range_header = exchange.header(http::field::range);
  if (!range_header.empty()) {
    auto requested = oci::parse_range(range_header, size);
    if (!requested) return std::nullopt;
    range = *requested;
    response.result(http::status::partial_content);
    response.set(http::field::content_range, "bytes " + std::to_string(range.first) + "-" +
                                                 std::to_string(range.last) + "/" +
                                                 std::to_string(size));
  }
  answer.offset = range.first;
  answer.length = size == 0 ? 0 : range.length();
  return answer;
}

asio::awaitable<void> refuse_range(Exchange& exchange, std::uint64_t size) {
  auto refused = exchange.make_response(http::status::range_not_satisfiable);
  refused.set(http::field::content_range, "bytes */" + std::to_string(size));
  co_await exchange.send(std::move(refused));
}

}  // namespace server
