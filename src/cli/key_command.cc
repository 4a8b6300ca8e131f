#include "cli/key_command.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include "cli/terminal_input.h"
#include "oci/error.h"
#include "signature/private_key.h"
#include "sys/file.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr mode_t kPrivateMode = 0600;  // encrypted, but offline guessing needs only the file
constexpr mode_t kPublicMode = 0644;

struct GenerateFlags {
  std::string name;
  std::string output_dir;  // empty: the current directory
};

int failed(std::string_view message) {
  fmt::print(stderr, "regmirror key generate: {}\n", message);
  return kFailed;
}

// REGMIRROR_KEY_PASSPHRASE (even empty, as cosign's COSIGN_PASSWORD), else typed twice at a
// terminal; never read from a pipe, where a typo cannot be seen.
oci::Result<std::string> new_passphrase() {
  if (const char* value = std::getenv(signature::kPassphraseEnvironment)) return std::string(value);
  if (!sys::stdin_is_terminal()) {
    return oci::fail(oci::ErrorCode::kUnsupported,
                     fmt::format("no passphrase: type it at a terminal or set {}",
                                 signature::kPassphraseEnvironment));
  }
  const std::optional<std::string> first = prompt("Enter passphrase for the private key: ", true);
  if (!first) {
    return oci::fail(
        oci::ErrorCode::kUnsupported,
        fmt::format("no passphrase given (type it, or set {})", signature::kPassphraseEnvironment));
  }
  const std::optional<std::string> second = prompt("Enter passphrase again: ", true);
  if (!second) return oci::fail(oci::ErrorCode::kUnsupported, "no passphrase given");
  if (*first != *second) return oci::fail(oci::ErrorCode::kUnsupported, "the passphrases differ");
  return *first;
}

// A new file holding `text`; an existing one is never replaced (O_EXCL). A file this made but
// could not fill is removed.
sys::Result<void> write_new_file(const fs::path& path, std::string_view text, mode_t mode) {
  auto fd = sys::open_file(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (!fd) return std::unexpected(fd.error());
  sys::Result<void> written;
  // The mode asked for, whatever the umask: a public key others cannot read is of no use.
  if (::fchmod(fd->get(), mode) != 0) written = sys::os_error("chmod", path, errno);
  if (written) written = sys::write_all(fd->get(), std::as_bytes(std::span(text)), path);
  if (written) written = sys::sync_file(fd->get(), path);
  if (!written) {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
  return written;
}

int run_generate(const GenerateFlags& flags, const fs::path& key_path, const fs::path& pub_path) {
  oci::Result<std::string> passphrase = new_passphrase();
  if (!passphrase) return failed(passphrase.error().message);
  const signature::PrivateKey key = signature::PrivateKey::generate();
  if (auto written = write_new_file(key_path, key.to_cosign_pem(*passphrase), kPrivateMode);
      !written) {
    return failed(written.error().message);
  }
  std::error_code ignored;
  if (auto written = write_new_file(pub_path, key.public_pem(), kPublicMode); !written) {
    fs::remove(key_path, ignored);  // half a key pair is of no use
    return failed(written.error().message);
  }
  if (auto synced = sys::sync_directory(flags.output_dir.empty() ? "." : flags.output_dir);
      !synced) {
    fs::remove(key_path, ignored);  // a pair that may not survive a crash is not reported made
    fs::remove(pub_path, ignored);
    return failed(synced.error().message);
  }
  fmt::print("Private key written to {}\nPublic key written to {}\n", key_path.string(),
             pub_path.string());
  return kOk;
}

void add_generate_command(CLI::App& key) {
  auto flags = std::make_shared<GenerateFlags>();
  auto* generate = key.add_subcommand(
      "generate", "Create a signing key pair: NAME.key (encrypted, cosign's format) and NAME.pub");
  generate->footer(
      "The key is ECDSA P-256, as `cosign generate-key-pair` makes: NAME.key is encrypted with a\n"
      "passphrase (scrypt and NaCl secretbox, \"ENCRYPTED COSIGN PRIVATE KEY\"), mode 0600;\n"
      "NAME.pub is the PEM public key a sigstoreSigned policy's keyPath names. The passphrase\n"
      "comes from REGMIRROR_KEY_PASSPHRASE when set, else it is typed twice (not echoed).\n"
      "Existing files are never overwritten.\n"
      "Exit status: 0 written, 1 failed (nothing left behind), 2 usage error or a file exists.\n"
      "Examples:\n"
      "  regmirror key generate release                        # prompts for the passphrase\n"
      "  REGMIRROR_KEY_PASSPHRASE=\"$PW\" regmirror key generate ci --output-dir /etc/regmirror\n"
      "Guide: docs/key.md");
  generate->add_option("name", flags->name, "file name stem: writes NAME.key and NAME.pub")
      ->required();
  generate->add_option("--output-dir", flags->output_dir,
                       "directory to write them in (default: the current one)");
  generate->callback([flags] {
    if (flags->name.empty() || flags->name.find('/') != std::string::npos || flags->name == "." ||
        flags->name == "..") {
      throw CLI::ValidationError("the name must be a file name without '/' (use --output-dir)");
    }
    const fs::path dir = flags->output_dir;
    const fs::path key_path = dir / (flags->name + ".key");
    const fs::path pub_path = dir / (flags->name + ".pub");
    for (const fs::path& path : {key_path, pub_path}) {
      std::error_code error;
      if (fs::exists(fs::symlink_status(path, error))) {
        throw CLI::ValidationError(
            fmt::format("{} already exists; refusing to overwrite it", path.string()));
      }
    }
    throw CLI::RuntimeError(run_generate(*flags, key_path, pub_path));
  });
}

}  // namespace

void add_key_command(CLI::App& app) {
  auto* key = app.add_subcommand("key", "Manage signing keys for sigstore signatures");
  key->require_subcommand(1);
  key->footer("Guide: docs/key.md");
  add_generate_command(*key);
}

}  // namespace cli
