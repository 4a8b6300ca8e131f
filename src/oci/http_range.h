// Byte ranges in the two spellings the distribution API uses. Pure parsing.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "oci/error.h"

namespace oci {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t length() const { return last - first + 1; }
};

// A chunked upload's `Content-Range: <first>-<last>` (the spec's form, without a unit; a
// leading "bytes " or "bytes=" is tolerated as some clients send it). kRangeInvalid when
// malformed or last < first.
Result<ByteRange> parse_content_range(std::string_view value);

// A blob GET's `Range: bytes=<first>-[<last>]` or `bytes=-<suffix>` against a blob of `size`
// bytes, clamped to the blob. Only a single range is supported. kRangeInvalid when malformed
// or unsatisfiable (first >= size, empty blob).
Result<ByteRange> parse_range(std::string_view value, std::uint64_t size);

}  // namespace oci
