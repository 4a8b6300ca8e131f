#include "oci/digest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <new>
#include <stdexcept>

namespace oci {
namespace {

constexpr std::string_view kSha256Name = "sha256";
constexpr std::string_view kSha512Name = "sha512";

std::string_view name_of(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha256 ? kSha256Name : kSha512Name;
}

std::size_t hex_length_of(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha256 ? 64 : 128;
}

const EVP_MD* evp_of(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha256 ? EVP_sha256() : EVP_sha512();
}

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// OpenSSL fails here only when out of memory or misconfigured; no caller can recover.
void check_openssl(int ok, const char* what) {
  if (ok != 1) throw std::runtime_error(std::string("OpenSSL: ") + what + " failed");
}

}  // namespace

Result<Digest> Digest::parse(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return fail(ErrorCode::kDigestInvalid, "digest has no algorithm prefix");
  }
  const std::string_view name = text.substr(0, colon);
  const std::string_view hex = text.substr(colon + 1);

  DigestAlgorithm algorithm;
  if (name == kSha256Name) {
    algorithm = DigestAlgorithm::kSha256;
  } else if (name == kSha512Name) {
    algorithm = DigestAlgorithm::kSha512;
  } else {
    return fail(ErrorCode::kDigestInvalid, "unsupported digest algorithm");
  }
  if (hex.size() != hex_length_of(algorithm) || !std::ranges::all_of(hex, is_lower_hex)) {
    return fail(ErrorCode::kDigestInvalid,
                "digest must be sha256:<64 lowercase hex> or sha512:<128 lowercase hex>");
  }
  return Digest(algorithm, std::string(text));
}

std::string_view Digest::algorithm_name() const { return name_of(algorithm_); }

std::string_view Digest::hex() const {
  return std::string_view(text_).substr(algorithm_name().size() + 1);
}

struct DigestHasher::State {
  struct ContextDeleter {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  };
  std::unique_ptr<EVP_MD_CTX, ContextDeleter> context;
};

DigestHasher::DigestHasher(DigestAlgorithm algorithm)
    : state_(std::make_unique<State>()), algorithm_(algorithm) {
  state_->context.reset(EVP_MD_CTX_new());
  if (!state_->context) throw std::bad_alloc();
  check_openssl(EVP_DigestInit_ex(state_->context.get(), evp_of(algorithm), nullptr),
                "EVP_DigestInit_ex");
}

DigestHasher::~DigestHasher() = default;
DigestHasher::DigestHasher(DigestHasher&&) noexcept = default;
DigestHasher& DigestHasher::operator=(DigestHasher&&) noexcept = default;

void DigestHasher::update(std::span<const std::byte> bytes) {
  check_openssl(EVP_DigestUpdate(state_->context.get(), bytes.data(), bytes.size()),
                "EVP_DigestUpdate");
}

void DigestHasher::update(std::string_view bytes) { update(std::as_bytes(std::span(bytes))); }

Digest DigestHasher::finish() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> raw;
  unsigned int raw_length = 0;
  check_openssl(EVP_DigestFinal_ex(state_->context.get(), raw.data(), &raw_length),
                "EVP_DigestFinal_ex");

  constexpr std::string_view kHexDigits = "0123456789abcdef";
  std::string text(name_of(algorithm_));
  text += ':';
  for (unsigned int i = 0; i < raw_length; ++i) {
    text += kHexDigits[raw[i] >> 4];
    text += kHexDigits[raw[i] & 0x0f];
  }
  return Digest::parse(text).value();
}

Digest digest_of(std::string_view bytes, DigestAlgorithm algorithm) {
  DigestHasher hasher(algorithm);
  hasher.update(bytes);
  return hasher.finish();
}

}  // namespace oci
