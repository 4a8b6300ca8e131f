// The signing flags of copy and sync, as skopeo's: --sign-by-sigstore-private-key KEY,
// --sign-passphrase-file FILE and (copy) --sign-identity REF.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "oci/error.h"
#include "signature/private_key.h"

namespace cli {

struct SigningFlags {
  std::string private_key;
  std::string passphrase_file;
  std::string identity;  // copy only; "" = the destination reference
};

// `with_identity`: also --sign-identity (copy; a sync signs each image as its destination).
void add_signing_flags(CLI::App& command, SigningFlags& flags, bool with_identity);

// The key of --sign-by-sigstore-private-key, read (the passphrase from the file, else
// REGMIRROR_KEY_PASSPHRASE, else a prompt); nullopt without the flag.
oci::Result<std::optional<signature::PrivateKey>> signing_key(const SigningFlags& flags);

}  // namespace cli
