// signature/sigstore_attachment.h — the signature "image" containers/image and cosign write
// under the tag sha256-<hex>.sig: an OCI image manifest, config
// application/vnd.oci.image.config.v1+json, one layer per signature, media type
// application/vnd.dev.cosign.simplesigning.v1+json, the layer's blob = the payload, annotation
// "dev.cosignproject.cosign/signature" = base64(sig).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"
#include "oci/manifest.h"

namespace signature {

struct SigstoreSignature {
  std::string payload;           // the layer's bytes
  std::string base64_signature;  // the layer's dev.cosignproject.cosign/signature annotation
  std::map<std::string, std::string> annotations;  // all of the layer's annotations
};
inline constexpr std::string_view kSimpleSigningMediaType =
    "application/vnd.dev.cosign.simplesigning.v1+json";
inline constexpr std::string_view kSignatureAnnotation = "dev.cosignproject.cosign/signature";
// containers/image's limit on a manifest (iolimits.MaxManifestBodySize): an attachment larger
// than this is refused when read and never written.
inline constexpr std::int64_t kMaxAttachmentManifest = std::int64_t{4} * 1024 * 1024;

// The layers of an attachment manifest that are signatures (others are skipped, as
// containers/image skips them, and so are layers larger than nodeconf::kMaxSignatureSize, which it
// would refuse to read), as descriptors to fetch; errors only for a manifest that is not
// JSON/not an image manifest (or is larger than kMaxAttachmentManifest).
struct SignatureLayer {
  oci::Descriptor blob;
  std::map<std::string, std::string> annotations;
};
oci::Result<std::vector<SignatureLayer>> signature_layers(std::string_view manifest_json);

// The signature a layer holds once its blob was fetched: `payload` must be the layer's bytes
// (size and digest checked here, whoever fetched them: kDigestInvalid / kSizeInvalid
// otherwise). A layer without the signature annotation gives an empty base64_signature, which
// verification refuses, as containers/image refuses that one signature.
oci::Result<SigstoreSignature> signature_from_layer(const SignatureLayer& layer,
                                                    std::string payload);

// A new attachment manifest: `existing` (may be empty = none yet) plus one signature layer,
// as containers/image's putSignaturesToSigstoreAttachments writes it: the existing manifest's
// members kept, the layer appended, a new config whose rootfs.diff_ids are the layers' digests
// (architecture and os ""). Returns the manifest bytes and the blobs to upload (config and
// payload) by digest. When `existing` already has this very signature (same payload, same
// annotations), it is returned unchanged with no blobs. An existing Docker schema 2 manifest
// (older cosign) is rewritten as an OCI one, which is what containers/image reads.
struct AttachmentWrite {
  std::string manifest;
  std::map<std::string /*digest*/, std::string> blobs;
};
oci::Result<AttachmentWrite> add_signature(std::string_view existing_manifest,
                                           std::string_view payload,
                                           std::string_view raw_signature);

// The destination's attachment `existing_manifest` with the layers of `incoming_manifest` (a
// source's attachment being copied) that it lacks appended — a layer it has is one of the same
// media type, digest, size and annotations —, as containers/image copies signatures onto an
// attachment that exists (putSignaturesToSigstoreAttachments): signatures only the destination
// has stay. The config is rebuilt as add_signature does; `blobs` holds only it (the incoming
// layers' blobs are the copy's to move). When nothing is missing, `existing_manifest` is
// returned unchanged with no blobs.
oci::Result<AttachmentWrite> merge_attachments(std::string_view existing_manifest,
                                               std::string_view incoming_manifest);

}  // namespace signature
