// The signatures of one manifest, gathered as containers/image gathers them for a policy
// check (nothing here is trusted: nodeconf::check_policy decides):
//   - sigstore: the layers of the attachment tagged sha256-<hex>.sig in the manifest's
//     repository, and of its referrers whose artifactType (or config media type) is cosign's
//     signature type. Read only when registries.d's use-sigstore-attachments is true for the
//     repository, as containers/image reads them only then.
//   - simple signing (GPG): signature-1, -2, ... of registries.d's lookaside for the
//     repository, else of containers/image's built-in default lookaside (lookaside.h).
// `repository` is the reference actually read ("mirror.example.com/ns/app:v1" when a mirror
// served the manifest; see registries_d_identity): its registries.d entry applies, the one
// for exactly that tag or digest first, as containers/image uses the physical reference's
// PolicyConfigurationIdentity. A bare "host/path" skips the exact-reference entries.
//
// At most kMaxSigstoreSignatures sigstore signatures are read, each at most
// nodeconf::kMaxSignatureSize bytes; more is an error, as the lookaside's
// kMaxLookasideSignatures. (containers/image bounds them only by the attachment manifest's
// 4 MiB; a manifest of that size could name some 20000 layers, all held in memory.)
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "nodeconf/policy_check.h"
#include "nodeconf/registries_d.h"
#include "oci/digest.h"
#include "oci/error.h"
#include "transfer/image_store.h"
#include "transfer/open_store.h"

namespace transfer {

// cosign's artifact type of a signature pushed as a referrer.
inline constexpr std::string_view kCosignSignatureArtifactType =
    "application/vnd.dev.cosign.artifact.sig.v1+json";

inline constexpr std::size_t kMaxSigstoreSignatures = 128;

// The physical reference whose registries.d entry applies: the repository that served the
// manifest with the logical reference's digest, else its tag (":latest" when it has neither),
// as containers/image's mirrors keep the tag or digest asked for. `repository` alone when
// `logical_reference` does not parse.
std::string registries_d_identity(std::string_view repository, std::string_view logical_reference);

// What to gather; a requirement that needs no signature of a kind saves the reads.
struct SignatureKinds {
  bool sigstore = true;
  bool simple_signing = true;
};

// Fails when a signature source answers with an error other than "none here" (an unreachable
// lookaside, a broken attachment): a policy check cannot be trusted without them. A signature
// blob whose bytes do not match its descriptor's digest is an error too.
oci::Result<nodeconf::CandidateSignatures> image_signatures(
    ImageStore& store, std::string_view repository, const oci::Digest& manifest_digest,
    const nodeconf::RegistriesD& registries_d, const AccessOptions& access,
    SignatureKinds kinds = {});

}  // namespace transfer
