#include "oci/base64.h"

#include <array>
#include <cstdint>

namespace oci {
namespace {

constexpr std::string_view kStandard =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string encode(std::string_view bytes, std::string_view alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                            (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                            std::uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  std::uint32_t n = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
  if (rest == 2) n |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
  out += alphabet[(n >> 18) & 63];
  out += alphabet[(n >> 12) & 63];
  if (rest == 2) out += alphabet[(n >> 6) & 63];
  if (pad) out.append(rest == 1 ? 2 : 1, '=');
  return out;
}

enum class TrailingBits { kMustBeZero, kIgnored };

// `text` without padding; a final group of 1 character cannot hold a byte.
std::optional<std::string> decode_unpadded(std::string_view text, std::string_view alphabet,
                                           TrailingBits trailing = TrailingBits::kMustBeZero) {
  std::array<int, 256> value{};
  value.fill(-1);
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    value[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
  }
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const int v = value[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  // The bits left over must be zero (RFC 4648 §3.5: canonical encoding).
  if (trailing == TrailingBits::kMustBeZero && (bits & ((1U << count) - 1)) != 0) {
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::string base64_encode(std::string_view bytes) { return encode(bytes, kStandard, true); }
std::string base64url_encode(std::string_view bytes) { return encode(bytes, kUrl, false); }

namespace {

std::optional<std::string> decode_padded(std::string_view text, TrailingBits trailing) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  text.remove_suffix(padding);
  return decode_unpadded(text, kStandard, trailing);
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  return decode_padded(text, TrailingBits::kMustBeZero);
}

std::optional<std::string> base64_decode_go_std(std::string_view text) {
  std::string data;
  data.reserve(text.size());
  for (char c : text) {
    if (c != '\r' && c != '\n') data += c;
  }
  return decode_padded(data, TrailingBits::kIgnored);
}

std::optional<std::string> base64url_decode(std::string_view text) {
  return decode_unpadded(text, kUrl);
}

}  // namespace oci
