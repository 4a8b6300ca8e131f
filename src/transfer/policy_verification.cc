#include "transfer/policy_verification.h"

#include <algorithm>

#include <openssl/evp.h>

#include "signature/gpg_verify.h"
#include "transfer/image_signatures.h"

namespace transfer {
namespace {

// Go's base64.StdEncoding.DecodeString: padding required, no whitespace.
oci::Result<std::string> decode_base64(std::string_view text) {
  const bool well_formed = text.size() % 4 == 0 && std::ranges::all_of(text, [](char c) {
                             return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                    (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
                           });
  const auto padding = text.find('=');
  if (!well_formed || (padding != std::string_view::npos &&
                       (text.size() - padding > 2 ||
                        text.find_first_not_of('=', padding) != std::string_view::npos))) {
    return oci::fail(oci::ErrorCode::kDenied, "base64 decoding of the signature failed");
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(text.data()),
                                      static_cast<int>(text.size()));
  if (written < 0)
    return oci::fail(oci::ErrorCode::kDenied, "base64 decoding of the signature failed");
  out.resize(static_cast<std::size_t>(written) -
             (padding == std::string_view::npos ? 0 : text.size() - padding));
  return out;
}

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
  if (keys.empty()) return oci::fail(oci::ErrorCode::kDenied, "the requirement has no public key");
  auto raw_signature = decode_base64(base64_signature);
  if (!raw_signature) return std::unexpected(raw_signature.error());
  for (const signature::PublicKey& public_key : keys) {
    if (public_key.verifies(payload, *raw_signature)) return {};
  }
  return oci::fail(oci::ErrorCode::kDenied,
                   keys.size() == 1 ? "the signature was not made by the requirement's public key"
                                    : "the signature was not made by any of the requirement's " +
                                          std::to_string(keys.size()) + " public keys");
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
