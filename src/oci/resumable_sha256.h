// SHA-256 whose running state can be saved as bytes and resumed later, in another process: an
// upload continued on another replica hashes only its new bytes instead of reading back what
// the others received (distribution keeps its hash states in storage for the same reason).
// OpenSSL's EVP interface cannot export a state; its SHA-256 interface (SHA256_CTX, the same
// implementation underneath) can, so this class uses that one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "oci/digest.h"

namespace oci {

class ResumableSha256 {
 public:
  ResumableSha256();
  ~ResumableSha256();
  ResumableSha256(ResumableSha256&&) noexcept;
  ResumableSha256& operator=(ResumableSha256&&) noexcept;

  void update(std::span<const std::byte> bytes);
  // Bytes hashed so far.
  std::uint64_t size() const;
  // The running state, opaque and versioned; resume() takes it back.
  std::string save() const;
  // nullopt when `saved` is not a state save() wrote (another version, corrupt, truncated).
  static std::optional<ResumableSha256> resume(std::string_view saved);
  Digest finish();  // the hasher must not be used afterwards

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace oci
