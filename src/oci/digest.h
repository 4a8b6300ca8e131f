// Content digests ("sha256:<64 hex>", "sha512:<128 hex>") and streaming hashing.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "oci/error.h"

namespace oci {

enum class DigestAlgorithm { kSha256, kSha512 };

class Digest {
 public:
  // Accepts only registered algorithms with lowercase hex of the exact length.
  static Result<Digest> parse(std::string_view text);
  static bool is_valid(std::string_view text) { return parse(text).has_value(); }

  DigestAlgorithm algorithm() const { return algorithm_; }
  std::string_view algorithm_name() const;  // "sha256"
  std::string_view hex() const;             // the encoded part
  const std::string& str() const { return text_; }

  friend bool operator==(const Digest&, const Digest&) = default;

 private:
  Digest(DigestAlgorithm algorithm, std::string text)
      : algorithm_(algorithm), text_(std::move(text)) {}
  DigestAlgorithm algorithm_;
  std::string text_;
};

// Incremental hash over a stream of bytes (OpenSSL EVP).
class DigestHasher {
 public:
  explicit DigestHasher(DigestAlgorithm algorithm = DigestAlgorithm::kSha256);
  ~DigestHasher();
  DigestHasher(DigestHasher&&) noexcept;
  DigestHasher& operator=(DigestHasher&&) noexcept;

  void update(std::span<const std::byte> bytes);
  void update(std::string_view bytes);
  Digest finish();  // the hasher must not be used afterwards

 private:
  struct State;
  std::unique_ptr<State> state_;
  DigestAlgorithm algorithm_;
};

Digest digest_of(std::string_view bytes, DigestAlgorithm algorithm = DigestAlgorithm::kSha256);

}  // namespace oci
