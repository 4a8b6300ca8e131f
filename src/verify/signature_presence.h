// The signatures policy.json requires of an image, checked for presence at the source that
// serves it (where containers/image reads sigstore attachments from): for sigstoreSigned the
// attachment manifest under the tag sha256-<hex>.sig of the image's manifest digest, with
// its config and signature layers. Presence only: whether a signature verifies with the
// requirement's keys is the policy checker's (nodeconf/policy_check.h) once it is merged.
#pragma once

#include <string>
#include <vector>

#include "nodeconf/policy.h"
#include "verify/probes.h"
#include "verify/verdict.h"

namespace verify {

struct SignatureCheck {
  Status status = Status::kOk;  // kOk, kUnsigned, or why the attachment could not be read
  std::string reason{};
  std::string missing{};             // the tag or digest not there
  std::vector<std::string> notes{};  // requirements not checked, and why
};

SignatureCheck check_signatures(const nodeconf::PolicyDecision& decision, Probes& probes,
                                const SourceRepository& source, const std::string& manifest_digest);

}  // namespace verify
