#include "nodeconf/policy_check.h"

#include <algorithm>
#include <functional>

#include "nodeconf/signature_payload.h"
#include "nodeconf/signed_identity.h"
#include "oci/digest.h"

namespace nodeconf {
namespace {

using Json = nlohmann::json;

std::string json_quoted(std::string_view text) {
  return Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace);
}

struct Verdict {
  Refusal refusal = Refusal::kNone;
  std::string reason;
};

const Json& signed_identity_of(const PolicyRequirement& requirement) {
  static const Json kDefault;  // null: matchRepoDigestOrExact
  if (!requirement.raw.is_object()) return kDefault;
  const auto found = requirement.raw.find("signedIdentity");
  return found == requirement.raw.end() ? kDefault : *found;
}

// What a verified payload must say: the manifest's digest (computed with the signed digest's
// algorithm) and an identity the requirement accepts for the image.
Verdict check_payload(const PolicyRequirement& requirement, std::string_view payload,
                      std::string_view expected_type, std::string_view image_reference,
                      std::string_view manifest) {
  const auto parsed = parse_signature_payload(payload, expected_type);
  if (!parsed) return {Refusal::kInvalidPayload, parsed.error().message};
  const auto signed_digest = oci::Digest::parse(parsed->manifest_digest);
  if (!signed_digest) return {Refusal::kInvalidPayload, signed_digest.error().message};
  const oci::Digest actual = oci::digest_of(manifest, signed_digest->algorithm());
  if (actual != *signed_digest) {
    return {Refusal::kDigestMismatch, "signature for digest " + signed_digest->str() +
                                          " does not match the manifest (" + actual.str() + ")"};
  }
  const Json& identity = signed_identity_of(requirement);
  if (!signed_identity_matches(identity, image_reference, parsed->docker_reference)) {
    return {Refusal::kIdentityMismatch,
            "signature for identity " + json_quoted(parsed->docker_reference) +
                " is not accepted for " + json_quoted(image_reference) + " (signedIdentity " +
                describe_signed_identity(identity) + ")"};
  }
  return {Refusal::kNone, "signature for " + json_quoted(parsed->docker_reference) + " at " +
                              signed_digest->str() + " verified"};
}

// containers/image's summary of a signature requirement: accepted by the first signature that
// passes; otherwise "no signature", the one reason, or all reasons.
Verdict any_signature(std::size_t count, std::string_view kind,
                      const std::function<Verdict(std::size_t)>& check_one) {
  if (count == 0) {
    return {Refusal::kNoSignature,
            "a signature was required, but no " + std::string(kind) + " signature exists"};
  }
  std::vector<Verdict> refusals;
  for (std::size_t i = 0; i < count; ++i) {
    Verdict verdict = check_one(i);
    if (verdict.refusal == Refusal::kNone) {
      if (count > 1) verdict.reason = "signature " + std::to_string(i + 1) + ": " + verdict.reason;
      return verdict;
    }
    refusals.push_back(std::move(verdict));
  }
  if (refusals.size() == 1) return std::move(refusals.front());
  Verdict summary{Refusal::kNone, "none of the " + std::to_string(count) + " " + std::string(kind) +
                                      " signatures is accepted: "};
  for (std::size_t i = 0; i < refusals.size(); ++i) {
    if (i > 0) summary.reason += "; ";
    summary.reason += std::to_string(i + 1) + ": " + refusals[i].reason;
    summary.refusal = std::max(summary.refusal, refusals[i].refusal);
  }
  return summary;
}

Verdict check_signed_by(const PolicyRequirement& requirement, std::string_view image_reference,
                        std::string_view manifest, const CandidateSignatures& signatures,
                        SignatureCrypto& crypto) {
  const std::string key_type =
      requirement.raw.is_object() ? requirement.raw.value("keyType", "") : "";
  if (key_type != "GPGKeys") {
    return {Refusal::kAlwaysRejects, "signedBy with keyType " + json_quoted(key_type) +
                                         " rejects every image (containers/image verifies only "
                                         "GPGKeys)"};
  }
  return any_signature(signatures.simple_signing.size(), "GPG", [&](std::size_t i) -> Verdict {
    const auto payload = crypto.verify_simple_signing(requirement, signatures.simple_signing[i]);
    if (!payload) return {Refusal::kUntrusted, payload.error().message};
    return check_payload(requirement, *payload, kSimpleSigningType, image_reference, manifest);
  });
}

Verdict check_sigstore_signed(const PolicyRequirement& requirement,
                              std::string_view image_reference, std::string_view manifest,
                              const CandidateSignatures& signatures, SignatureCrypto& crypto) {
  return any_signature(signatures.sigstore.size(), "sigstore", [&](std::size_t i) -> Verdict {
    const SigstoreCandidate& candidate = signatures.sigstore[i];
    if (!candidate.base64_signature) {
      return {Refusal::kUntrusted, "missing dev.cosignproject.cosign/signature annotation"};
    }
    if (auto ok =
            crypto.verify_sigstore(requirement, candidate.payload, *candidate.base64_signature);
        !ok) {
      return {Refusal::kUntrusted, ok.error().message};
    }
    return check_payload(requirement, candidate.payload, kSigstoreType, image_reference, manifest);
  });
}

Verdict check_requirement(const PolicyRequirement& requirement, std::string_view image_reference,
                          std::string_view manifest, const CandidateSignatures& signatures,
                          SignatureCrypto& crypto) {
  if (requirement.type == "insecureAcceptAnything") {
    return {Refusal::kNone, "insecureAcceptAnything accepts any image"};
  }
  if (requirement.type == "signedBy") {
    return check_signed_by(requirement, image_reference, manifest, signatures, crypto);
  }
  if (requirement.type == "sigstoreSigned") {
    return check_sigstore_signed(requirement, image_reference, manifest, signatures, crypto);
  }
  if (requirement.type == "reject")
    return {Refusal::kAlwaysRejects, "\"reject\" rejects every image"};
  if (requirement.type == "signedBaseLayer") {
    return {Refusal::kAlwaysRejects,
            "signedBaseLayer is not implemented (containers/image rejects every image with it)"};
  }
  return {Refusal::kAlwaysRejects, "unknown requirement type " + json_quoted(requirement.type)};
}

std::string scope_phrase(const PolicyDecision& decision) {
  return decision.scope.empty() ? "the default policy"
                                : "docker scope " + json_quoted(decision.scope);
}

std::string requirement_label(std::size_t index, std::size_t count, const std::string& type) {
  return "requirement " + std::to_string(index + 1) + " of " + std::to_string(count) + " (" + type +
         ")";
}

}  // namespace

std::string_view refusal_name(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNone:
      return "none";
    case Refusal::kAlwaysRejects:
      return "always-rejects";
    case Refusal::kNoSignature:
      return "no-signature";
    case Refusal::kUntrusted:
      return "untrusted-signature";
    case Refusal::kInvalidPayload:
      return "invalid-payload";
    case Refusal::kDigestMismatch:
      return "digest-mismatch";
    case Refusal::kIdentityMismatch:
      return "identity-mismatch";
  }
  return "unknown";
}

PolicyCheck check_policy(const PolicyDecision& decision, std::string_view image_reference,
                         std::string_view manifest, const CandidateSignatures& signatures,
                         SignatureCrypto& crypto) {
  PolicyCheck check;
  const std::size_t count = decision.requirements.size();
  if (count == 0) {  // only a default-constructed Policy; containers/image refuses too
    check.reason = scope_phrase(decision) + " has no requirements, which rejects every image";
    return check;
  }
  check.allowed = true;
  for (const PolicyRequirement& requirement : decision.requirements) {
    Verdict verdict = check_requirement(requirement, image_reference, manifest, signatures, crypto);
    const bool satisfied = verdict.refusal == Refusal::kNone;
    if (!satisfied && check.allowed) {
      check.allowed = false;
      check.reason = scope_phrase(decision) + " applies: " +
                     requirement_label(check.results.size(), count, requirement.type) +
                     " refuses " + std::string(image_reference) + ": " + verdict.reason;
    }
    check.results.push_back({requirement, satisfied, verdict.refusal, std::move(verdict.reason)});
  }
  if (check.allowed) {
    check.reason = "allowed by " + scope_phrase(decision) + ": ";
    for (std::size_t i = 0; i < check.results.size(); ++i) {
      if (i > 0) check.reason += "; ";
      check.reason += check.results[i].requirement.type + ": " + check.results[i].reason;
    }
  }
  return check;
}

}  // namespace nodeconf
