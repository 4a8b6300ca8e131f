// GPG "simple signing" verification: the OpenPGP signed messages `skopeo copy --sign-by`
// writes to the lookaside storage, checked with gpgme as containers/image's
// signature/mechanism_gpgme.go and policy_eval_signedby.go check them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "oci/error.h"

namespace signature {

// A simple-signing signature (an OpenPGP signed message, as `skopeo copy --sign-by` writes it)
// checked with the keys of a signedBy requirement (`raw`: keyType GPGKeys, keyPath / keyPaths /
// keyData), in a private temporary GNUPGHOME; returns the signed payload (JSON bytes) when a
// trusted key made a valid signature, else an error saying why (unknown key, bad signature...).
//
// As containers/image: the keys are imported into a fresh GNUPGHOME that holds nothing else
// and is removed afterwards; exactly one signature must be in the message; it is accepted when
// gpg found it good (no error status, validity not "never", no validity reason, right key
// usage: GPGME_SIGSUM_VALID but for owner trust, which a fresh keyring cannot have) and its key
// (or the primary key of its signing subkey) is one of the imported keys.
oci::Result<std::string> verify_gpg_signature(const nlohmann::json& raw,
                                              std::string_view signature);

}  // namespace signature
