#include "transfer/image_signatures.h"

#include <cstddef>

#include "nodeconf/signature_payload.h"
#include "oci/attachment_tag.h"
#include "oci/reference.h"
#include "signature/sigstore_attachment.h"
#include "transfer/lookaside.h"

namespace transfer {
namespace {

// One signature layer's bytes, at most nodeconf::kMaxSignatureSize (signature_from_layer checks
// them against the layer's size and digest: the store does not check what it streams).
oci::Result<std::string> read_payload(ImageStore& store, const oci::Descriptor& blob) {
  std::string bytes;
  auto read = store.read_blob(blob, 0, [&](std::span<const std::byte> chunk) -> oci::Result<void> {
    if (bytes.size() + chunk.size() > nodeconf::kMaxSignatureSize) {
      return oci::fail(oci::ErrorCode::kSizeInvalid,
                       "signature payload " + blob.digest.str() + " is larger than 4 MiB");
    }
    bytes.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
    return {};
  });
  if (!read) return std::unexpected(read.error());
  return bytes;
}

// The signature layers of one attachment manifest, appended to `out`.
oci::Result<void> read_attachment(ImageStore& store, std::string_view manifest_reference,
                                  std::vector<nodeconf::SigstoreCandidate>& out) {
  auto manifest = store.get_manifest(manifest_reference);
  if (!manifest) {
    if (is_manifest_absent(manifest.error())) return {};
    return oci::fail(manifest.error().code, "cannot read the sigstore signatures " +
                                                std::string(manifest_reference) + ": " +
                                                manifest.error().message);
  }
  auto layers = signature::signature_layers(manifest->body);
  if (!layers) {
    return oci::fail(layers.error().code, "invalid sigstore attachment " +
                                              std::string(manifest_reference) + ": " +
                                              layers.error().message);
  }
  for (const signature::SignatureLayer& layer : *layers) {
    if (out.size() >= kMaxSigstoreSignatures) {
      return oci::fail(oci::ErrorCode::kSizeInvalid,
                       "more than " + std::to_string(kMaxSigstoreSignatures) +
                           " sigstore signatures, assuming that's unreasonable and an error "
                           "of the registry (read up to " +
                           std::string(manifest_reference) + ")");
    }
    auto payload = read_payload(store, layer.blob);
    if (!payload) return std::unexpected(payload.error());
    auto signature = signature::signature_from_layer(layer, std::move(*payload));
    if (!signature) return std::unexpected(signature.error());
    nodeconf::SigstoreCandidate candidate{std::move(signature->payload), std::nullopt};
    // An empty annotation is a missing one (containers/image refuses both alike).
    if (!signature->base64_signature.empty()) {
      candidate.base64_signature = std::move(signature->base64_signature);
    }
    out.push_back(std::move(candidate));
  }
  return {};
}

oci::Result<std::vector<nodeconf::SigstoreCandidate>> sigstore_signatures(
    ImageStore& store, const oci::Digest& manifest_digest) {
  std::vector<nodeconf::SigstoreCandidate> found;
  if (auto ok = read_attachment(store, oci::attachment_tag(manifest_digest.str(), "sig"), found);
      !ok) {
    return std::unexpected(ok.error());
  }
  // Referrers are a second place cosign may have put them; a registry or layout without a
  // referrers answer simply has none there.
  const auto referrers = store.referrers(manifest_digest);
  if (!referrers) return found;
  for (const oci::Descriptor& referrer : *referrers) {
    if (referrer.artifact_type != kCosignSignatureArtifactType) continue;
    if (auto ok = read_attachment(store, referrer.digest.str(), found); !ok) {
      return std::unexpected(ok.error());
    }
  }
  return found;
}

}  // namespace

std::string registries_d_identity(std::string_view repository, std::string_view logical_reference) {
  std::string identity(repository);
  auto logical = oci::Reference::parse(logical_reference);
  if (!logical) return identity;
  if (logical->has_digest()) {
    identity.append("@").append(logical->digest());
  } else {
    identity.append(":").append(logical->has_tag() ? logical->tag() : "latest");
  }
  return identity;
}

oci::Result<nodeconf::CandidateSignatures> image_signatures(
    ImageStore& store, std::string_view repository, const oci::Digest& manifest_digest,
    const nodeconf::RegistriesD& registries_d, const AccessOptions& access, SignatureKinds kinds) {
  nodeconf::CandidateSignatures signatures;
  if (kinds.simple_signing) {
    auto lookaside = read_lookaside_signatures(registries_d, repository, manifest_digest, access);
    if (!lookaside) return std::unexpected(lookaside.error());
    signatures.simple_signing = std::move(*lookaside);
  }
  if (kinds.sigstore && registries_d.use_sigstore_attachments(repository)) {
    auto sigstore = sigstore_signatures(store, manifest_digest);
    if (!sigstore) return std::unexpected(sigstore.error());
    signatures.sigstore = std::move(*sigstore);
  }
  return signatures;
}

}  // namespace transfer
