// The encryption of cosign's private key files (go-securesystemslib's encrypted package, which
// cosign and containers/image use): a JSON envelope
//   {"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":B64},
//    "cipher":{"name":"nacl/secretbox","nonce":B64},"ciphertext":B64}
// where the secretbox key is scrypt(passphrase, salt, N, r, p, 32 bytes). Internal to signature/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "oci/error.h"

namespace signature::internal {

// What cosign writes (go-securesystemslib's "legacy" parameters, still its default).
inline constexpr std::uint64_t kScryptN = 32768;
inline constexpr std::uint64_t kScryptR = 8;
inline constexpr std::uint64_t kScryptP = 1;
// The most a key file may ask for. go-securesystemslib accepts only N = 2^15, 2^16 and 2^17
// with r = 8, p = 1; this allows N up to 16 times cosign's, r up to 8 and p up to 2, and refuses
// more before any work: scrypt's memory is 128·N·r bytes (512 MiB at these limits) and its time
// grows with N·r·p (32 times a cosign key's, a few seconds, at most).
inline constexpr std::uint64_t kMaxScryptN = kScryptN << 4;
inline constexpr std::uint64_t kMaxScryptR = 8;
inline constexpr std::uint64_t kMaxScryptP = 2;

// `plaintext` sealed under `passphrase` with fresh random salt and nonce and cosign's
// parameters: the envelope's JSON text, members in cosign's order.
std::string seal_envelope(std::string_view plaintext, std::string_view passphrase);

// The plaintext of an envelope. Errors: not the JSON above, a KDF or cipher other than
// scrypt / nacl/secretbox, parameters beyond the limits, malformed base64, a nonce that is not
// 24 bytes, a ciphertext shorter than the secretbox tag, and (kDenied) a passphrase that does
// not open it.
oci::Result<std::string> open_envelope(std::string_view json, std::string_view passphrase);

}  // namespace signature::internal
