#include "oci/http_range.h"

#include <algorithm>
#include <limits>

namespace oci {
namespace {

constexpr std::uint64_t kMaxPosition = std::numeric_limits<std::uint64_t>::max();
constexpr std::string_view kWhitespace = " \t";

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kWhitespace);
  return text.substr(first, last - first + 1);
}

// Removes a leading "bytes" (in any case) followed by `separator`; false when there is none.
bool consume_bytes_unit(std::string_view& value, char separator) {
  constexpr std::string_view kUnit = "bytes";
  if (value.size() <= kUnit.size() || value[kUnit.size()] != separator) return false;
  const bool is_unit = std::ranges::equal(value.substr(0, kUnit.size()), kUnit, [](char a, char b) {
    return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b;
  });
  if (is_unit) value.remove_prefix(kUnit.size() + 1);
  return is_unit;
}

// 1*DIGIT. A number past 64 bits saturates at kMaxPosition: it lies beyond the end of any blob,
// so callers treat it like any other too-large position instead of as malformed.
std::optional<std::uint64_t> parse_position(std::string_view digits) {
  if (digits.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kMaxPosition - digit) / 10) {
      value = kMaxPosition;
    } else {
      value = value * 10 + digit;
    }
  }
  return value;
}

struct Positions {
  std::optional<std::uint64_t> first;  // absent in a suffix range
  std::optional<std::uint64_t> last;   // absent in an open-ended range
};

// "<first>-<last>" with either side possibly empty (but not both).
std::optional<Positions> split_positions(std::string_view spec) {
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view first_text = spec.substr(0, dash);
  const std::string_view last_text = spec.substr(dash + 1);
  if (first_text.empty() && last_text.empty()) return std::nullopt;

  Positions positions;
  if (!first_text.empty()) {
    positions.first = parse_position(first_text);
    if (!positions.first) return std::nullopt;
  }
  if (!last_text.empty()) {
    positions.last = parse_position(last_text);
    if (!positions.last) return std::nullopt;
  }
  return positions;
}

std::unexpected<Error> malformed(std::string_view what) {
  return fail(ErrorCode::kRangeInvalid, "malformed " + std::string(what));
}

}  // namespace

Result<ByteRange> parse_content_range(std::string_view value) {
  value = trim(value);
  if (!consume_bytes_unit(value, ' ')) consume_bytes_unit(value, '=');
  const auto positions = split_positions(value);
  if (!positions || !positions->first || !positions->last) return malformed("Content-Range");
  // kMaxPosition also stands for saturated numbers, and no upload reaches that offset.
  if (*positions->last < *positions->first || *positions->last == kMaxPosition) {
    return fail(ErrorCode::kRangeInvalid, "Content-Range ends before it starts or is too large");
  }
  return ByteRange{*positions->first, *positions->last};
}

Result<ByteRange> parse_range(std::string_view value, std::uint64_t size) {
  value = trim(value);
  if (!consume_bytes_unit(value, '=')) return malformed("Range");
  if (value.find(',') != std::string_view::npos) {
    return fail(ErrorCode::kRangeInvalid, "multiple ranges are not supported");
  }
  const auto positions = split_positions(value);
  if (!positions) return malformed("Range");
  if (positions->first && positions->last && *positions->last < *positions->first) {
    return malformed("Range");
  }
  if (size == 0) return fail(ErrorCode::kRangeInvalid, "range of an empty blob");

  if (!positions->first) {  // the last <suffix> bytes
    const std::uint64_t suffix = *positions->last;
    if (suffix == 0) return fail(ErrorCode::kRangeInvalid, "empty suffix range");
    return ByteRange{size - std::min(suffix, size), size - 1};
  }
  if (*positions->first >= size) {
    return fail(ErrorCode::kRangeInvalid, "range starts past the end of the blob");
  }
  return ByteRange{*positions->first, std::min(positions->last.value_or(size - 1), size - 1)};
}

}  // namespace oci
