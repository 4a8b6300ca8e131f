// policy.json's requirements checked against an image's signatures, as containers/image's
// PolicyContext.IsRunningImageAllowed does: every requirement must accept the image; a signedBy
// or sigstoreSigned requirement accepts it when any one signature verifies with its keys, signs
// the digest of the image's manifest bytes and names an identity its signedIdentity accepts.
// Pure: the cryptography is behind SignatureCrypto, which transfer/ implements with
// signature/; tests use a fake.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nodeconf/policy.h"
#include "oci/error.h"

namespace nodeconf {

// One sigstore signature: a layer of the attachment. `base64_signature` is the layer's
// dev.cosignproject.cosign/signature annotation, nullopt when the layer has none.
struct SigstoreCandidate {
  std::string payload;
  std::optional<std::string> base64_signature;
};

// Everything found for the image; nothing is trusted yet.
struct CandidateSignatures {
  std::vector<std::string> simple_signing;  // GPG signed messages (lookaside), for signedBy
  std::vector<SigstoreCandidate> sigstore;  // attachment layers, for sigstoreSigned
};

class SignatureCrypto {
 public:
  virtual ~SignatureCrypto() = default;
  // A simple-signing signature checked with a signedBy (keyType GPGKeys) requirement's keys:
  // the signed payload, or why it is not trusted (unknown key, bad signature, unreadable key).
  virtual oci::Result<std::string> verify_simple_signing(const PolicyRequirement& requirement,
                                                         std::string_view signature) = 0;
  // A sigstore signature (base64, as in the annotation) of `payload` checked with a
  // sigstoreSigned requirement's public keys: success, or why not (no key verifies it, bad
  // base64, unreadable key, unsupported fulcio/rekor).
  virtual oci::Result<void> verify_sigstore(const PolicyRequirement& requirement,
                                            std::string_view payload,
                                            std::string_view base64_signature) = 0;
};

// Why a requirement refused the image; with several signatures, the one that got furthest.
enum class Refusal {
  kNone,              // satisfied
  kAlwaysRejects,     // reject, signedBaseLayer, a signedBy keyType containers/image lacks
  kNoSignature,       // no signature of the requirement's kind exists
  kUntrusted,         // no key verifies it (wrong key, bad signature, missing annotation)
  kInvalidPayload,    // verified, but the payload is malformed or of the other format
  kDigestMismatch,    // verified, but signs another manifest
  kIdentityMismatch,  // verified, right manifest, but its identity is not accepted
};
std::string_view refusal_name(Refusal refusal);  // "no-signature", "digest-mismatch", ...

struct RequirementResult {
  PolicyRequirement requirement;
  bool satisfied = false;
  Refusal refusal = Refusal::kNone;
  std::string reason;  // one line: why it accepts, or why it refuses
};

struct PolicyCheck {
  bool allowed = false;
  std::vector<RequirementResult> results;  // one per requirement, in policy order
  std::string reason;  // one line: which requirement refused and why, or why allowed
};

// `decision` is Policy::evaluate_docker's for `image_reference` (the logical reference the user
// asked for, normalized); `manifest` the image's top manifest bytes as served. Every
// requirement is evaluated (for reports); the image is allowed when all accept.
PolicyCheck check_policy(const PolicyDecision& decision, std::string_view image_reference,
                         std::string_view manifest, const CandidateSignatures& signatures,
                         SignatureCrypto& crypto);

}  // namespace nodeconf
