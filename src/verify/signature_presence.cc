#include "verify/signature_presence.h"

#include <fmt/format.h>

#include "oci/attachment_tag.h"
#include "oci/manifest.h"

namespace verify {
namespace {

// The attachment's config and layers (the signature payloads) must be readable too: the node
// reads each payload to verify it.
SignatureCheck check_attachment_blobs(const ManifestProbe& attachment, Probes& probes,
                                      const SourceRepository& source, const std::string& where) {
  auto manifest = oci::parse_manifest(attachment.body, attachment.media_type);
  if (!manifest || manifest->kind != oci::media_type::ManifestKind::kImage) {
    return SignatureCheck{.status = Status::kUnsigned,
                          .reason = fmt::format("{} is not a signature image manifest", where),
                          .missing = where};
  }
  std::vector<oci::Descriptor> blobs = manifest->layers;
  if (manifest->config) blobs.insert(blobs.begin(), *manifest->config);
  if (manifest->layers.empty()) {
    return SignatureCheck{.status = Status::kUnsigned,
                          .reason = fmt::format("{} holds no signature", where),
                          .missing = where};
  }
  for (const oci::Descriptor& blob : blobs) {
    const Probe probe = probes.blob(source, blob.digest);
    if (probe.status == Status::kOk) continue;
    const Status status = probe.status == Status::kMissing ? Status::kUnsigned : probe.status;
    return SignatureCheck{.status = status,
                          .reason = fmt::format("signature blob {} of {}: {}", blob.digest.str(),
                                                where, probe.reason),
                          .missing = blob.digest.str()};
  }
  return {};
}

SignatureCheck check_sigstore(Probes& probes, const SourceRepository& source,
                              const std::string& manifest_digest) {
  const std::string tag = oci::attachment_tag(manifest_digest, "sig");
  const std::string where = source.location() + ":" + tag;
  const ManifestProbe attachment = probes.manifest(source, tag);
  if (attachment.status == Status::kMissing) {
    return SignatureCheck{
        .status = Status::kUnsigned,
        .reason = fmt::format("the policy requires a sigstore signature; {} not found", where),
        .missing = where};
  }
  if (attachment.status != Status::kOk) {
    return SignatureCheck{.status = attachment.status,
                          .reason = fmt::format("reading {}: {}", where, attachment.reason),
                          .missing = where};
  }
  return check_attachment_blobs(attachment, probes, source, where);
}

}  // namespace

SignatureCheck check_signatures(const nodeconf::PolicyDecision& decision, Probes& probes,
                                const SourceRepository& source,
                                const std::string& manifest_digest) {
  SignatureCheck result;
  bool sigstore_checked = false;
  for (const nodeconf::PolicyRequirement& requirement : decision.requirements) {
    if (requirement.type == "sigstoreSigned" && !sigstore_checked) {
      sigstore_checked = true;
      SignatureCheck sigstore = check_sigstore(probes, source, manifest_digest);
      if (sigstore.status != Status::kOk) {
        sigstore.notes = std::move(result.notes);
        return sigstore;
      }
    } else if (requirement.type == "signedBy") {
      result.notes.push_back("signedBy (GPG lookaside signatures) is not checked by verify yet");
    } else if (requirement.type == "signedBaseLayer") {
      return SignatureCheck{
          .status = Status::kUnsigned,
          .reason = "the policy requires signedBaseLayer, which containers/image rejects always",
          .notes = std::move(result.notes)};
    }
  }
  return result;
}

}  // namespace verify
