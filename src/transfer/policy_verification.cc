#include "transfer/policy_verification.h"

#include <algorithm>

#include "signature/gpg_verify.h"
#include "signature/sigstore_verify.h"
#include "transfer/image_signatures.h"

namespace transfer {
namespace {

bool needs(const nodeconf::PolicyDecision& decision, std::string_view type) {
  return std::ranges::any_of(decision.requirements,
                             [&](const nodeconf::PolicyRequirement& r) { return r.type == type; });
}

}  // namespace

oci::Result<std::string> SignatureVerifier::verify_simple_signing(
    const nodeconf::PolicyRequirement& requirement, std::string_view signature) {
  return signature::verify_gpg_signature(requirement.raw, signature);
}

oci::Result<void> SignatureVerifier::verify_sigstore(const nodeconf::PolicyRequirement& requirement,
                                                     std::string_view payload,
                                                     std::string_view base64_signature) {
  const std::string key = requirement.raw.dump();
  auto found = keys_.find(key);
  if (found == keys_.end()) {
    found = keys_.emplace(key, signature::requirement_public_keys(requirement.raw)).first;
  }
  if (!found->second) return std::unexpected(found->second.error());
  const std::vector<signature::PublicKey>& keys = *found->second;
  return signature::verify_sigstore_signature(keys, payload, base64_signature);
}

oci::Result<nodeconf::PolicyCheck> check_image_policy(const nodeconf::PolicyDecision& decision,
                                                      const ImageUnderCheck& image,
                                                      const nodeconf::RegistriesD& registries_d,
                                                      const AccessOptions& access) {
  nodeconf::CandidateSignatures signatures;
  const SignatureKinds kinds{.sigstore = needs(decision, "sigstoreSigned"),
                             .simple_signing = needs(decision, "signedBy")};
  if (kinds.sigstore || kinds.simple_signing) {
    auto gathered = image_signatures(image.source, image.source_repository, image.manifest.digest,
                                     registries_d, access, kinds);
    if (!gathered) return std::unexpected(gathered.error());
    signatures = std::move(*gathered);
  }
  SignatureVerifier verifier;
  return nodeconf::check_policy(decision, image.logical_reference, image.manifest.body, signatures,
                                verifier);
}

}  // namespace transfer
