// policy.json's requirements checked for one image about to be pulled or copied, as
// containers/image checks them before it copies anything: an image manifest as the source
// served it (never an index: each image of it that is copied is checked, copied_images.h), the
// signatures gathered from that source (image_signatures.h), verified with
// signature/'s keys, and the identities checked against the logical reference (the one the
// user named, not a mirror's).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "client/registry_client.h"
#include "nodeconf/policy.h"
#include "nodeconf/policy_check.h"
#include "nodeconf/registries_d.h"
#include "oci/error.h"
#include "signature/public_key.h"
#include "transfer/image_store.h"
#include "transfer/open_store.h"

namespace transfer {

// nodeconf's crypto interface over signature/: gpgme for signedBy, the requirement's public
// keys for sigstoreSigned (read once per requirement and kept).
class SignatureVerifier final : public nodeconf::SignatureCrypto {
 public:
  oci::Result<std::string> verify_simple_signing(const nodeconf::PolicyRequirement& requirement,
                                                 std::string_view signature) override;
  oci::Result<void> verify_sigstore(const nodeconf::PolicyRequirement& requirement,
                                    std::string_view payload,
                                    std::string_view base64_signature) override;

 private:
  std::map<std::string, oci::Result<std::vector<signature::PublicKey>>> keys_;  // by raw JSON
};

// The image to check: its manifest (an image's, not an index's) and where it was read from.
struct ImageUnderCheck {
  ImageStore& source;  // the store that served the manifest (signatures come from it)
  // What registries.d is asked about: the physical reference read, "host/path:tag" or
  // "host/path@digest" (registries_d_identity), or "host/path" to skip exact-reference entries.
  std::string source_repository;
  const client::FetchedManifest& manifest;
  std::string logical_reference;  // normalized, as Policy::evaluate_docker takes it
};

// `decision` is the policy's for the logical reference. Signatures are read only when a
// requirement needs them. Fails only when signatures cannot be gathered; a refused image is a
// PolicyCheck with allowed == false.
oci::Result<nodeconf::PolicyCheck> check_image_policy(const nodeconf::PolicyDecision& decision,
                                                      const ImageUnderCheck& image,
                                                      const nodeconf::RegistriesD& registries_d,
                                                      const AccessOptions& access);

}  // namespace transfer
