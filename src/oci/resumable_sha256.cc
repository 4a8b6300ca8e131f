// The saved state is "rmsha256/1" followed by the eight 32-bit chaining values, the 64-bit bit
// count and the bytes of the unfinished block (fewer than 64), every number big-endian.
#define OPENSSL_SUPPRESS_DEPRECATED  // SHA256_CTX is deprecated in favour of EVP, which hides it
#include "oci/resumable_sha256.h"

#include <openssl/sha.h>

#include <array>
#include <cstring>

namespace oci {
namespace {

constexpr std::string_view kMagic = "rmsha256/1";
constexpr std::size_t kChainingValues = 8;

void put_u32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xff);
}

std::uint32_t get_u32(std::string_view in) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | static_cast<unsigned char>(in[i]);
  return value;
}

}  // namespace

struct ResumableSha256::Context {
  SHA256_CTX sha;
};

ResumableSha256::ResumableSha256() : context_(std::make_unique<Context>()) {
  SHA256_Init(&context_->sha);
}

ResumableSha256::~ResumableSha256() = default;
ResumableSha256::ResumableSha256(ResumableSha256&&) noexcept = default;
ResumableSha256& ResumableSha256::operator=(ResumableSha256&&) noexcept = default;

void ResumableSha256::update(std::span<const std::byte> bytes) {
  SHA256_Update(&context_->sha, bytes.data(), bytes.size());
}

std::uint64_t ResumableSha256::size() const {
  const SHA256_CTX& sha = context_->sha;
  return ((std::uint64_t{sha.Nh} << 32) | sha.Nl) / 8;
}

std::string ResumableSha256::save() const {
  const SHA256_CTX& sha = context_->sha;
  std::string out(kMagic);
  for (std::size_t i = 0; i < kChainingValues; ++i) put_u32(out, sha.h[i]);
  put_u32(out, sha.Nh);
  put_u32(out, sha.Nl);
  // OpenSSL keeps the unfinished block in data[] as plain bytes (md32_common.h).
  out.append(reinterpret_cast<const char*>(sha.data), sha.num);
  return out;
}

std::optional<ResumableSha256> ResumableSha256::resume(std::string_view saved) {
  constexpr std::size_t kFixed = kMagic.size() + (kChainingValues + 2) * 4;
  if (saved.size() < kFixed || saved.size() >= kFixed + SHA256_CBLOCK ||
      !saved.starts_with(kMagic)) {
    return std::nullopt;
  }
  ResumableSha256 hasher;
  SHA256_CTX& sha = hasher.context_->sha;
  std::string_view in = saved.substr(kMagic.size());
  for (std::size_t i = 0; i < kChainingValues; ++i, in.remove_prefix(4)) sha.h[i] = get_u32(in);
  sha.Nh = get_u32(in);
  sha.Nl = get_u32(in.substr(4));
  in.remove_prefix(8);
  // The bit count says how many bytes the unfinished block holds; the state must agree.
  if ((sha.Nl / 8) % SHA256_CBLOCK != in.size() || sha.Nl % 8 != 0) return std::nullopt;
  std::memcpy(sha.data, in.data(), in.size());
  sha.num = static_cast<unsigned int>(in.size());
  sha.md_len = SHA256_DIGEST_LENGTH;
  return hasher;
}

Digest ResumableSha256::finish() {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> raw{};
  SHA256_Final(raw.data(), &context_->sha);
  constexpr std::string_view kHexDigits = "0123456789abcdef";
  std::string text = "sha256:";
  for (unsigned char byte : raw) {
    text += kHexDigits[byte >> 4];
    text += kHexDigits[byte & 0x0f];
  }
  return Digest::parse(text).value();
}

}  // namespace oci
