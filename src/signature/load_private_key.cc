// load_private_key (private_key.h): a key file and its passphrase, from wherever the user gave
// it.
#include <cstdlib>
#include <string>

#include "signature/private_key.h"
#include "sys/small_file.h"
#include "sys/terminal_prompt.h"

namespace signature {

namespace {

// Key and passphrase files are a few hundred bytes; the limit only stops a wrong path early.
constexpr std::uint64_t kMaxKeyFile = std::uint64_t{1024} * 1024;

oci::Result<std::string> passphrase_for(const std::filesystem::path& key_file,
                                        const std::optional<std::filesystem::path>& file) {
  if (file) {
    auto text = sys::read_small_file(*file, kMaxKeyFile);
    if (!text) {
      return oci::fail(oci::ErrorCode::kNotFound, "passphrase file: " + text.error().message);
    }
    std::string line = text->substr(0, text->find('\n'));
    if (line.ends_with('\r')) line.pop_back();
    return line;
  }
  // Set but empty is an empty passphrase, as cosign's COSIGN_PASSWORD.
  if (const char* value = std::getenv(kPassphraseEnvironment)) return std::string(value);
  if (sys::stdin_is_terminal()) {
    auto typed = sys::prompt("Enter passphrase for private key " + key_file.string() + ": ", true);
    if (typed) return std::move(*typed);
  }
  // Nobody to ask (or the end of input at the prompt): an empty passphrase would only end in
  // a misleading "wrong passphrase".
  return oci::fail(
      oci::ErrorCode::kUnsupported,
      std::string("no passphrase: use --sign-passphrase-file or ") + kPassphraseEnvironment);
}

}  // namespace

oci::Result<PrivateKey> load_private_key(
    const std::filesystem::path& key_file,
    const std::optional<std::filesystem::path>& passphrase_file) {
  auto pem = sys::read_small_file(key_file, kMaxKeyFile);
  if (!pem) {
    return oci::fail(oci::ErrorCode::kNotFound, "private key: " + pem.error().message);
  }
  auto passphrase = passphrase_for(key_file, passphrase_file);
  if (!passphrase) return std::unexpected(std::move(passphrase.error()));
  auto key = PrivateKey::from_cosign_pem(*pem, *passphrase);
  if (!key) {
    return oci::fail(key.error().code, key_file.string() + ": " + key.error().message);
  }
  return key;
}

}  // namespace signature
