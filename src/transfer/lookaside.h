// Reading GPG signatures from a lookaside storage (containers-registries.d(5)), as
// containers/image's docker_image_src.go appendSignaturesFromLookaside does.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nodeconf/registries_d.h"
#include "oci/digest.h"
#include "oci/error.h"
#include "transfer/open_store.h"

namespace transfer {

// containers/image's limit: a lookaside serving more signatures than this is broken or
// hostile. One signature larger than nodeconf::kMaxSignatureSize is refused.
inline constexpr int kMaxLookasideSignatures = 128;

// Signatures signature-1, -2, ... until the first missing one (file://, http://, https:// —
// https through client/ with the given access options' trust). Each at most 4 MiB.
//
// The lookaside is registries.d's for `repository` (the repository actually read: a mirror's
// when a mirror served the image), else containers/image's built-in default
// (/var/lib/containers/sigstore for root, ~/.local/share/containers/sigstore otherwise).
// HTTP(S) is read with the TLS settings of the repository's registry (its certs.d, insecure
// flag), as containers/image reads it with the registry's HTTP client; 404 ends the list.
// Blobs are containers/image's FromBlob formats: a bare OpenPGP message, or "\0simple-signing\n"
// + message; "\0sigstore-json\n" ones are skipped (not GPG signatures), anything else is an error.
oci::Result<std::vector<std::string>> read_lookaside_signatures(
    const nodeconf::RegistriesD& registries_d, std::string_view repository,
    const oci::Digest& manifest_digest, const AccessOptions& access);

}  // namespace transfer
