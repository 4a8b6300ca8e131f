// Base64 (RFC 4648 §4: Basic credentials, Ignition data URLs) and base64url without padding
// (§5: JWS).
// Decoding is strict: characters outside the alphabet, misplaced padding and non-zero
// trailing bits are refused, so one text has one meaning.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace oci {

std::string base64_encode(std::string_view bytes);
std::string base64url_encode(std::string_view bytes);  // no '=' padding

// nullopt on any malformed input. base64_decode requires the padding; base64url_decode
// refuses it.
std::optional<std::string> base64_decode(std::string_view text);
std::optional<std::string> base64url_decode(std::string_view text);

// Go's base64.StdEncoding.DecodeString, which encoding/json uses for []byte fields (the
// keyData of containers/image's policy.json): '\r' and '\n' anywhere are skipped, padding is
// required, and non-zero trailing bits are accepted (Go's encoding is not Strict). Decoding a
// policy's key with anything stricter would refuse keys that podman and skopeo accept.
std::optional<std::string> base64_decode_go_std(std::string_view text);

}  // namespace oci
