#include "transfer/sign_image.h"

#include <algorithm>
#include <chrono>

#include "nodeconf/signature_payload.h"
#include "oci/attachment_tag.h"
#include "oci/base64.h"
#include "oci/media_type.h"
#include "signature/public_key.h"
#include "signature/sigstore_attachment.h"
#include "transfer/put_small_blob.h"

namespace transfer {
namespace {

// As containers/image's "containers/image <version>": who made the signature.
// REGMIRROR_VERSION comes from the project version (CMakeLists.txt).
constexpr std::string_view kCreator = "regmirror " REGMIRROR_VERSION;

std::unexpected<oci::Error> failure(const oci::Error& error, std::string_view what,
                                    const ImageStore& destination) {
  return oci::fail(error.code,
                   std::string("signing: ")
                       .append(what)
                       .append(" in ")
                       .append(destination.describe())
                       .append(": ")
                       .append(error.message),
                   error.detail);
}

// Whether `attachment` (the destination's) holds a signature by `key` of `manifest` for
// `docker_reference` already: then a re-run (a scheduled sync) adds none, and the attachment
// does not grow by one signature per run.
bool signed_already(ImageStore& destination, std::string_view attachment,
                    const oci::Digest& manifest, std::string_view docker_reference,
                    const signature::PrivateKey& key) {
  auto layers = signature::signature_layers(attachment);
  if (!layers) return false;
  const signature::PublicKey public_key = key.public_key();
  for (const signature::SignatureLayer& layer : *layers) {
    const auto annotation = layer.annotations.find(std::string(signature::kSignatureAnnotation));
    if (annotation == layer.annotations.end()) continue;
    std::string payload;
    auto read = destination.read_blob(layer.blob, 0, [&](std::span<const std::byte> bytes) {
      if (payload.size() + bytes.size() > static_cast<std::size_t>(layer.blob.size)) {
        return oci::Result<void>(oci::fail(oci::ErrorCode::kSizeInvalid, "payload too long"));
      }
      payload.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      return oci::Result<void>();
    });
    if (!read) continue;
    auto parsed = nodeconf::parse_signature_payload(payload, nodeconf::kSigstoreType);
    const auto raw_signature = oci::base64_decode(annotation->second);
    if (parsed && raw_signature && parsed->docker_reference == docker_reference &&
        parsed->manifest_digest == manifest.str() && public_key.verifies(payload, *raw_signature)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string signing_identity(std::string_view repository, std::string_view tag,
                             const oci::Digest& top) {
  std::string identity(repository);
  if (tag.empty()) return identity.append("@").append(top.str());
  return identity.append(":").append(tag);
}

oci::Result<oci::Digest> sign_copied_image(ImageStore& destination, const CopyResult& copied,
                                           std::string_view docker_reference,
                                           const signature::PrivateKey& key) {
  if (copied.manifests.empty()) {
    return oci::fail(oci::ErrorCode::kInternal, "signing: the copy wrote no manifest");
  }
  // The children first; the top manifest (last) is the one whose attachment is returned.
  for (std::size_t i = 0; i + 1 < copied.manifests.size(); ++i) {
    if (auto signed_as = sign_sigstore(destination, copied.manifests[i], docker_reference, key);
        !signed_as) {
      return std::unexpected(signed_as.error());
    }
  }
  return sign_sigstore(destination, copied.manifests.back(), docker_reference, key);
}

oci::Result<oci::Digest> sign_sigstore(ImageStore& destination, const oci::Digest& manifest,
                                       std::string_view docker_reference,
                                       const signature::PrivateKey& key) {
  const std::string tag = oci::attachment_tag(manifest.str(), "sig");
  std::string existing;
  if (auto fetched = destination.get_manifest(tag)) {
    if (signed_already(destination, fetched->body, manifest, docker_reference, key)) {
      return fetched->digest;
    }
    existing = std::move(fetched->body);
  } else if (!is_manifest_absent(fetched.error())) {
    return failure(fetched.error(), "reading " + tag, destination);
  }
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::string payload =
      nodeconf::sigstore_payload(docker_reference, manifest.str(), kCreator, now);
  auto attachment = signature::add_signature(existing, payload, key.sign(payload));
  if (!attachment) return failure(attachment.error(), "adding to " + tag, destination);
  for (const auto& [digest, bytes] : attachment->blobs) {
    if (auto put = put_small_blob(destination, digest, bytes); !put) {
      return failure(put.error(), "writing blob " + digest, destination);
    }
  }
  oci::Digest digest = oci::digest_of(attachment->manifest);
  if (auto put = destination.put_manifest(attachment->manifest, oci::media_type::kOciManifest,
                                          digest, tag);
      !put) {
    return failure(put.error(), "writing " + tag, destination);
  }
  return digest;
}

}  // namespace transfer
