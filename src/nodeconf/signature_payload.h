// The JSON a container image signature signs, in both of containers/image's formats: simple
// signing ("atomic container signature", inside a GPG signed message) and sigstore ("cosign
// container image signature", a layer of the sha256-<hex>.sig attachment). Parsed as
// containers/image parses untrusted signature contents; the bytes are only trustworthy once a
// key has verified them, which is the caller's business.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "oci/error.h"

namespace nodeconf {

inline constexpr std::string_view kSimpleSigningType = "atomic container signature";
inline constexpr std::string_view kSigstoreType = "cosign container image signature";
// containers/image's iolimits.MaxSignatureBodySize: the most read of one signature (a
// lookaside blob, a GPG signature or its signed payload, a sigstore layer), everywhere.
inline constexpr std::size_t kMaxSignatureSize = std::size_t{4} << 20;

struct SignaturePayload {
  std::string docker_reference;  // critical.identity.docker-reference, as signed (may be "")
  std::string manifest_digest;   // critical.image.docker-manifest-digest, a valid digest
};

// Exactly containers/image's strict parsing: the top object has exactly "critical" and
// "optional"; critical exactly "type", "image", "identity"; image exactly
// "docker-manifest-digest"; identity exactly "docker-reference"; optional.creator a string and
// optional.timestamp an integer when present, other optional members ignored. No duplicated
// keys, nothing after the object. `type` must be `expected_type`. A sigstore payload may have
// "optional": null (cosign writes it); a simple-signing one may not.
oci::Result<SignaturePayload> parse_signature_payload(std::string_view json,
                                                      std::string_view expected_type);

// The sigstore payload regmirror signs, byte for byte as containers/image writes it (Go's
// json.Marshal of maps: sorted keys, no spaces, <>& escaped):
// {"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},
//  "type":"cosign container image signature"},"optional":{"creator":C,"timestamp":T}}
std::string sigstore_payload(std::string_view docker_reference, std::string_view manifest_digest,
                             std::string_view creator, std::int64_t timestamp);

}  // namespace nodeconf
