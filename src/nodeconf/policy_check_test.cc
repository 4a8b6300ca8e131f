#include "nodeconf/policy_check.h"

#include <gtest/gtest.h>

#include <string>

#include "nodeconf/signature_payload.h"
#include "oci/digest.h"

namespace nodeconf {
namespace {

using Json = nlohmann::json;

const std::string kManifest = R"({"schemaVersion":2,"layers":[]})";
const std::string kImage = "quay.io/ns/app:1";

// Signatures are "good:<key>" (GPG: "good:<key>|<payload>") and verify when <key> equals the
// requirement's keyPath.
class FakeCrypto : public SignatureCrypto {
 public:
  int calls = 0;
  oci::Result<std::string> verify_simple_signing(const PolicyRequirement& requirement,
                                                 std::string_view signature) override {
    ++calls;
    const std::string key = "good:" + requirement.raw.value("keyPath", "") + "|";
    if (!signature.starts_with(key)) {
      return oci::fail(oci::ErrorCode::kDenied, "signature made by an unknown key");
    }
    return std::string(signature.substr(key.size()));
  }
  oci::Result<void> verify_sigstore(const PolicyRequirement& requirement, std::string_view,
                                    std::string_view base64_signature) override {
    ++calls;
    if (base64_signature != "good:" + requirement.raw.value("keyPath", "")) {
      return oci::fail(oci::ErrorCode::kDenied, "no public key verifies the signature");
    }
    return {};
  }
};

std::string simple_payload(std::string_view reference, std::string_view digest) {
  return R"({"critical":{"identity":{"docker-reference":")" + std::string(reference) +
         R"("},"image":{"docker-manifest-digest":")" + std::string(digest) +
         R"("},"type":"atomic container signature"},"optional":{}})";
}

std::string manifest_digest() { return oci::digest_of(kManifest).str(); }

PolicyRequirement sigstore_req(std::string key = "k1", Json identity = nullptr) {
  Json raw{{"type", "sigstoreSigned"}, {"keyPath", key}};
  if (!identity.is_null()) raw["signedIdentity"] = identity;
  return {"sigstoreSigned", raw};
}

PolicyRequirement gpg_req(std::string key = "g1", std::string key_type = "GPGKeys") {
  return {"signedBy", Json{{"type", "signedBy"}, {"keyType", key_type}, {"keyPath", key}}};
}

PolicyDecision decision(std::vector<PolicyRequirement> requirements) {
  return {PolicyVerdict::kRequiresSignature, "quay.io/ns", "", std::move(requirements)};
}

SigstoreCandidate sigstore_sig(std::string key = "k1", std::string reference = kImage,
                               std::string digest = manifest_digest()) {
  return {sigstore_payload(reference, digest, "test", 1), "good:" + key};
}

PolicyCheck check(std::vector<PolicyRequirement> requirements, const CandidateSignatures& sigs,
                  std::string_view image = kImage, std::string_view manifest = kManifest) {
  FakeCrypto crypto;
  return check_policy(decision(std::move(requirements)), image, manifest, sigs, crypto);
}

TEST(PolicyCheck, InsecureAcceptAnything) {
  const auto result =
      check({{"insecureAcceptAnything", Json{{"type", "insecureAcceptAnything"}}}}, {});
  EXPECT_TRUE(result.allowed);
  ASSERT_EQ(result.results.size(), 1u);
  EXPECT_TRUE(result.results[0].satisfied);
}

TEST(PolicyCheck, RejectAndSignedBaseLayerAlwaysRefuse) {
  for (const std::string type : {"reject", "signedBaseLayer"}) {
    const auto result = check({{type, Json{{"type", type}}}}, {{}, {sigstore_sig()}});
    EXPECT_FALSE(result.allowed);
    EXPECT_EQ(result.results[0].refusal, Refusal::kAlwaysRejects);
    EXPECT_NE(result.reason.find("requirement 1 of 1 (" + type + ")"), std::string::npos)
        << result.reason;
  }
  const auto base_layer = check({{"signedBaseLayer", Json{{"type", "signedBaseLayer"}}}}, {});
  EXPECT_NE(base_layer.reason.find("not implemented"), std::string::npos);
}

TEST(PolicyCheck, NoRequirementsRefuses) { EXPECT_FALSE(check({}, {}).allowed); }

TEST(PolicyCheck, SigstoreAccepted) {
  const auto result = check({sigstore_req()}, {{}, {sigstore_sig()}});
  EXPECT_TRUE(result.allowed) << result.reason;
  EXPECT_NE(result.reason.find("allowed by docker scope \"quay.io/ns\""), std::string::npos);
}

TEST(PolicyCheck, SigstoreNoSignature) {
  // GPG signatures do not count for sigstoreSigned
  const auto result = check({sigstore_req()}, {{"good:k1|x"}, {}});
  EXPECT_FALSE(result.allowed);
  EXPECT_EQ(result.results[0].refusal, Refusal::kNoSignature);
  EXPECT_NE(result.reason.find("no sigstore signature exists"), std::string::npos) << result.reason;
}

TEST(PolicyCheck, SigstoreWrongKey) {
  const auto result = check({sigstore_req("k1")}, {{}, {sigstore_sig("k2")}});
  EXPECT_FALSE(result.allowed);
  EXPECT_EQ(result.results[0].refusal, Refusal::kUntrusted);
  EXPECT_NE(result.reason.find("no public key verifies"), std::string::npos);
}

TEST(PolicyCheck, SigstoreMissingAnnotation) {
  SigstoreCandidate candidate = sigstore_sig();
  candidate.base64_signature.reset();
  const auto result = check({sigstore_req()}, {{}, {candidate}});
  EXPECT_EQ(result.results[0].refusal, Refusal::kUntrusted);
  EXPECT_NE(result.reason.find("missing dev.cosignproject.cosign/signature"), std::string::npos);
}

TEST(PolicyCheck, SigstoreDigestMismatch) {
  const std::string other = "sha256:" + std::string(64, 'c');
  const auto result = check({sigstore_req()}, {{}, {sigstore_sig("k1", kImage, other)}});
  EXPECT_FALSE(result.allowed);
  EXPECT_EQ(result.results[0].refusal, Refusal::kDigestMismatch);
  EXPECT_NE(result.reason.find("signature for digest " + other + " does not match"),
            std::string::npos);
}

TEST(PolicyCheck, DigestUsesTheSignedAlgorithm) {
  const std::string sha512 = oci::digest_of(kManifest, oci::DigestAlgorithm::kSha512).str();
  EXPECT_TRUE(check({sigstore_req()}, {{}, {sigstore_sig("k1", kImage, sha512)}}).allowed);
}

TEST(PolicyCheck, SigstoreIdentityMismatch) {
  const auto result = check({sigstore_req()}, {{}, {sigstore_sig("k1", "quay.io/ns/app:2")}});
  EXPECT_FALSE(result.allowed);
  EXPECT_EQ(result.results[0].refusal, Refusal::kIdentityMismatch);
  EXPECT_NE(result.reason.find("identity \"quay.io/ns/app:2\" is not accepted"), std::string::npos)
      << result.reason;
  // the same signature passes a looser signedIdentity
  EXPECT_TRUE(check({sigstore_req("k1", Json{{"type", "matchRepository"}})},
                    {{}, {sigstore_sig("k1", "quay.io/ns/app:2")}})
                  .allowed);
}

TEST(PolicyCheck, SigstoreInvalidPayload) {
  const auto result = check({sigstore_req()}, {{}, {{"{not json", "good:k1"}}});
  EXPECT_EQ(result.results[0].refusal, Refusal::kInvalidPayload);
  // a simple-signing payload is not a sigstore one
  const auto other =
      check({sigstore_req()}, {{}, {{simple_payload(kImage, manifest_digest()), "good:k1"}}});
  EXPECT_EQ(other.results[0].refusal, Refusal::kInvalidPayload);
}

TEST(PolicyCheck, AnySignatureMayAccept) {
  const auto result =
      check({sigstore_req()},
            {{}, {sigstore_sig("k2"), sigstore_sig("k1", "quay.io/ns/app:9"), sigstore_sig("k1")}});
  EXPECT_TRUE(result.allowed) << result.reason;
  EXPECT_NE(result.results[0].reason.find("signature 3"), std::string::npos);
}

TEST(PolicyCheck, AllSignaturesRefusedListsEveryReason) {
  const auto result =
      check({sigstore_req()}, {{}, {sigstore_sig("k2"), sigstore_sig("k1", "quay.io/ns/app:9")}});
  EXPECT_FALSE(result.allowed);
  EXPECT_EQ(result.results[0].refusal, Refusal::kIdentityMismatch);  // the one that got furthest
  EXPECT_NE(result.reason.find("none of the 2 sigstore signatures is accepted: 1: "),
            std::string::npos)
      << result.reason;
  EXPECT_NE(result.reason.find("; 2: "), std::string::npos);
}

TEST(PolicyCheck, GpgAccepted) {
  const auto result =
      check({gpg_req()}, {{"good:g1|" + simple_payload(kImage, manifest_digest())}, {}});
  EXPECT_TRUE(result.allowed) << result.reason;
}

TEST(PolicyCheck, GpgFailures) {
  const std::string payload = simple_payload(kImage, manifest_digest());
  EXPECT_EQ(check({gpg_req()}, {}).results[0].refusal, Refusal::kNoSignature);
  EXPECT_EQ(check({gpg_req()}, {{"good:g2|" + payload}, {}}).results[0].refusal,
            Refusal::kUntrusted);
  EXPECT_EQ(check({gpg_req()},
                  {{"good:g1|" + simple_payload(kImage, "sha256:" + std::string(64, 'd'))}, {}})
                .results[0]
                .refusal,
            Refusal::kDigestMismatch);
  EXPECT_EQ(
      check({gpg_req()}, {{"good:g1|" + simple_payload("quay.io/x/y:1", manifest_digest())}, {}})
          .results[0]
          .refusal,
      Refusal::kIdentityMismatch);
  // a sigstore payload inside a GPG signature is refused
  EXPECT_EQ(
      check({gpg_req()}, {{"good:g1|" + sigstore_payload(kImage, manifest_digest(), "", 0)}, {}})
          .results[0]
          .refusal,
      Refusal::kInvalidPayload);
  // sigstore signatures do not count for signedBy
  EXPECT_EQ(check({gpg_req()}, {{}, {sigstore_sig()}}).results[0].refusal, Refusal::kNoSignature);
}

TEST(PolicyCheck, SignedByOtherKeyTypesAlwaysRefuse) {
  const auto result = check({gpg_req("g1", "X509Certificates")},
                            {{"good:g1|" + simple_payload(kImage, manifest_digest())}, {}});
  EXPECT_FALSE(result.allowed);
  EXPECT_EQ(result.results[0].refusal, Refusal::kAlwaysRejects);
}

TEST(PolicyCheck, EveryRequirementMustAcceptAndAllAreReported) {
  const auto result = check({sigstore_req(), gpg_req(), {"reject", Json{{"type", "reject"}}}},
                            {{}, {sigstore_sig()}});
  EXPECT_FALSE(result.allowed);
  ASSERT_EQ(result.results.size(), 3u);
  EXPECT_TRUE(result.results[0].satisfied);
  EXPECT_EQ(result.results[1].refusal, Refusal::kNoSignature);
  EXPECT_EQ(result.results[2].refusal, Refusal::kAlwaysRejects);
  // the first refusing requirement is the reason
  EXPECT_NE(result.reason.find("requirement 2 of 3 (signedBy)"), std::string::npos)
      << result.reason;
}

TEST(PolicyCheck, RefusalNames) {
  EXPECT_EQ(refusal_name(Refusal::kDigestMismatch), "digest-mismatch");
  EXPECT_EQ(refusal_name(Refusal::kNoSignature), "no-signature");
}

}  // namespace
}  // namespace nodeconf
