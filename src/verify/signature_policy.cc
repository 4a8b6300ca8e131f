#include "verify/signature_policy.h"

#include <fmt/format.h>

#include <algorithm>

#include "oci/attachment_tag.h"
#include "transfer/image_signatures.h"
#include "transfer/policy_verification.h"
#include "transfer/registry_store.h"
#include "verify/error_status.h"

namespace verify {
namespace {

// A sigstoreSigned requirement that found no signature: name where the node looked.
bool no_sigstore_signature(const nodeconf::PolicyCheck& check) {
  return std::ranges::any_of(check.results, [](const nodeconf::RequirementResult& result) {
    return result.requirement.type == "sigstoreSigned" &&
           result.refusal == nodeconf::Refusal::kNoSignature;
  });
}

}  // namespace

SignatureCheck RegistrySignaturePolicy::check(const nodeconf::PolicyDecision& decision,
                                              const SourceRepository& source,
                                              const ManifestProbe& manifest,
                                              std::string_view logical_reference) {
  auto client = probes_.client(source);
  if (!client) return SignatureCheck{Status::kError, client.error().message};
  auto digest = oci::Digest::parse(manifest.digest);
  if (!digest) return SignatureCheck{Status::kError, digest.error().message};
  transfer::RegistryStore store(*client, source.repository, nullptr);
  const client::FetchedManifest fetched{
      .body = manifest.body, .media_type = manifest.media_type, .digest = *digest};
  const transfer::ImageUnderCheck image{
      .source = store,
      .source_repository = transfer::registries_d_identity(source.location(), logical_reference),
      .manifest = fetched,
      .logical_reference = std::string(logical_reference)};
  auto checked = transfer::check_image_policy(decision, image, registries_d_, access_);
  if (!checked) {
    return SignatureCheck{status_of(checked.error()),
                          "reading the signatures: " + checked.error().message};
  }
  if (checked->allowed) return {};
  SignatureCheck refused{Status::kUnsigned, "refused by policy.json: " + checked->reason};
  if (no_sigstore_signature(*checked)) {
    refused.missing = source.location() + ":" + oci::attachment_tag(manifest.digest, "sig");
    refused.reason.append(fmt::format(" (no {})", refused.missing));
  }
  return refused;
}

}  // namespace verify
