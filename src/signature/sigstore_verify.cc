#include "signature/sigstore_verify.h"

#include <string>

#include "oci/base64.h"
#include "signature/sigstore_attachment.h"

namespace signature {

oci::Result<void> verify_sigstore_signature(const std::vector<PublicKey>& keys,
                                            std::string_view payload,
                                            std::string_view base64_signature) {
  if (base64_signature.empty()) {
    return oci::fail(oci::ErrorCode::kDenied,
                     "missing " + std::string(kSignatureAnnotation) + " annotation");
  }
  const auto raw_signature = oci::base64_decode(base64_signature);
  if (!raw_signature) {
    return oci::fail(oci::ErrorCode::kDenied, "signature is not valid base64");
  }
  for (const PublicKey& key : keys) {
    if (key.verifies(payload, *raw_signature)) return {};
  }
  return oci::fail(oci::ErrorCode::kDenied,
                   "cryptographic signature verification failed: no trusted key made this "
                   "signature");
}

}  // namespace signature
