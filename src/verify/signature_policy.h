// The signatures policy.json requires of an image, checked as the node checks them once the
// source that serves the manifest is known: SignaturePolicy is what ImageChecker asks;
// RegistrySignaturePolicy answers with transfer/'s policy verification (the sigstore
// attachment sha256-<hex>.sig and cosign referrers where registries.d's
// use-sigstore-attachments says to read them, GPG signatures from registries.d's lookaside,
// each verified with the requirement's keys and identity against the logical reference).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nodeconf/policy.h"
#include "nodeconf/registries_d.h"
#include "transfer/open_store.h"
#include "verify/probes.h"
#include "verify/registry_probes.h"
#include "verify/verdict.h"

namespace verify {

struct SignatureCheck {
  Status status = Status::kOk;  // kOk, kUnsigned, or why the signatures could not be read
  std::string reason{};
  std::string missing{};  // the attachment tag when no signature was found
};

class SignaturePolicy {
 public:
  virtual ~SignaturePolicy() = default;
  // `decision` requires signatures (PolicyVerdict::kRequiresSignature); `manifest` was served by
  // `source`; `logical_reference` is the normalized reference the node was asked for.
  virtual SignatureCheck check(const nodeconf::PolicyDecision& decision,
                               const SourceRepository& source, const ManifestProbe& manifest,
                               std::string_view logical_reference) = 0;
};

class RegistrySignaturePolicy final : public SignaturePolicy {
 public:
  // `access`: the node's trust and pull secret for lookaside reads over HTTPS.
  RegistrySignaturePolicy(RegistryProbes& probes, nodeconf::RegistriesD registries_d,
                          transfer::AccessOptions access)
      : probes_(probes), registries_d_(std::move(registries_d)), access_(std::move(access)) {}

  SignatureCheck check(const nodeconf::PolicyDecision& decision, const SourceRepository& source,
                       const ManifestProbe& manifest, std::string_view logical_reference) override;

 private:
  RegistryProbes& probes_;
  const nodeconf::RegistriesD registries_d_;
  const transfer::AccessOptions access_;
};

}  // namespace verify
