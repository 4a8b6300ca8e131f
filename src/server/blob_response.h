// The head of a blob GET/HEAD response and the bytes it covers, from the blob's digest and
// size and the request's Range: shared by stored blobs and blobs still being fetched upstream.
#pragma once

#include <cstdint>
#include <optional>

#include "oci/digest.h"
#include "server/exchange.h"

namespace server {

struct BlobAnswer {
  HeaderResponse response;  // 200 or 206, without Content-Length
  std::uint64_t offset = 0;
  std::uint64_t length = 0;  // bytes of the range (a HEAD's Content-Length too)
};

// nullopt: the Range cannot be satisfied; refuse_range answers it.
std::optional<BlobAnswer> answer_blob(const Exchange& exchange, const oci::Digest& digest,
                                      std::uint64_t size);
// 416 with Content-Range: bytes */<size>.
asio::awaitable<void> refuse_range(Exchange& exchange, std::uint64_t size);

}  // namespace server
