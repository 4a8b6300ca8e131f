// The cryptographic half of containers/image's sigstoreSigned check with public keys
// (policy_eval_sigstore.go): does a key of the requirement verify the signature? What the
// payload says (digest, identity) is nodeconf's parse_signature_payload's to read.
#pragma once

#include <string_view>
#include <vector>

#include "oci/error.h"
#include "signature/public_key.h"

namespace signature {

// Some key of `keys` verifies `base64_signature` (a layer's dev.cosignproject.cosign/signature
// annotation, standard base64) over `payload`. Errors (kDenied): an empty signature ("missing
// ... annotation"), malformed base64, no key verifying it.
oci::Result<void> verify_sigstore_signature(const std::vector<PublicKey>& keys,
                                            std::string_view payload,
                                            std::string_view base64_signature);

}  // namespace signature
