// `regmirror key generate NAME [--output-dir DIR]`: a new ECDSA P-256 signing key pair, NAME.key
// in cosign's encrypted format and NAME.pub, as `cosign generate-key-pair` writes them, for
// `copy --sign-by-sigstore-private-key` and sigstoreSigned policies.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

void add_key_command(CLI::App& app);

}  // namespace cli
