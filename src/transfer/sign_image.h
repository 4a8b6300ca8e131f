// Signing while copying: a sigstore signature of a manifest written next to it in the
// destination, the way `skopeo copy --sign-by-sigstore-private-key` does with registries.d's
// use-sigstore-attachments: the payload containers/image signs
// (nodeconf::sigstore_payload), one more layer of the attachment manifest tagged
// sha256-<hex>.sig (signatures already there are kept; when one of them is this key's for this
// reference and digest, nothing is written: a re-run signs nothing again).
#pragma once

#include <string>
#include <string_view>

#include "oci/digest.h"
#include "oci/error.h"
#include "signature/private_key.h"
#include "transfer/copy_image.h"
#include "transfer/image_store.h"

namespace transfer {

// Signs `manifest` (held by `destination`) for `docker_reference` ("host/repo:tag", or
// "host/repo@sha256:<hex>" for an image copied by digest) and writes the attachment: its blobs,
// then the manifest under the attachment tag. Returns the attachment manifest's digest.
oci::Result<oci::Digest> sign_sigstore(ImageStore& destination, const oci::Digest& manifest,
                                       std::string_view docker_reference,
                                       const signature::PrivateKey& key);

// Signs every manifest `copied` wrote (CopyResult::manifests: each child, then the index), all
// for the same `docker_reference`, as containers/image signs each instance it copies and then
// the list, with the one destination reference. Returns the top manifest's attachment digest.
oci::Result<oci::Digest> sign_copied_image(ImageStore& destination, const CopyResult& copied,
                                           std::string_view docker_reference,
                                           const signature::PrivateKey& key);

// The identity an image copied to `repository` (a registry repository's name:
// "host/path") under `tag` is signed with: "host/path:tag", or "host/path@<top>" when the copy
// is by digest only (`tag` empty; `top` the digest of the top manifest copied), as skopeo's
// destination reference. A bare "host/path" is never an identity: policy.json's default
// matchRepoDigestOrExact accepts no signature that names no tag or digest.
std::string signing_identity(std::string_view repository, std::string_view tag,
                             const oci::Digest& top);

}  // namespace transfer
