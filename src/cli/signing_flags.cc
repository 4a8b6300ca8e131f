#include "cli/signing_flags.h"

#include "oci/reference.h"

namespace cli {

void add_signing_flags(CLI::App& command, SigningFlags& flags, bool with_identity) {
  auto* key = command.add_option("--sign-by-sigstore-private-key", flags.private_key,
                                 "sign each image written with this cosign private key (sigstore "
                                 "attachment sha256-<hex>.sig)");
  command
      .add_option("--sign-passphrase-file", flags.passphrase_file,
                  "the key's passphrase: this file's first line (default $" +
                      std::string(signature::kPassphraseEnvironment) + ", else a prompt)")
      ->needs(key);
  if (!with_identity) return;
  command
      .add_option("--sign-identity", flags.identity,
                  "the docker reference signed for, with a tag or digest (default: the destination "
                  "reference)")
      ->needs(key)
      ->check(CLI::Validator(
          [](const std::string& text) {
            const auto parsed = oci::Reference::parse_canonical(text);
            if (!parsed) return parsed.error().message;
            // As containers/image: "Sign identity must be a fully specified reference".
            return parsed->has_tag() || parsed->has_digest()
                       ? std::string()
                       : std::string(
                             "a fully specified reference: host/repo:tag or "
                             "host/repo@sha256:<hex>");
          },
          "REF"));
}

oci::Result<std::optional<signature::PrivateKey>> signing_key(const SigningFlags& flags) {
  if (flags.private_key.empty()) return std::nullopt;
  std::optional<std::filesystem::path> passphrase_file;
  if (!flags.passphrase_file.empty()) passphrase_file = flags.passphrase_file;
  auto key = signature::load_private_key(flags.private_key, passphrase_file);
  if (!key) {
    return oci::fail(key.error().code, "--sign-by-sigstore-private-key " + flags.private_key +
                                           ": " + key.error().message);
  }
  return std::optional<signature::PrivateKey>(std::move(*key));
}

}  // namespace cli
