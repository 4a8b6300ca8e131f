#include "cli/passwd_command.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/htpasswd.h"
#include "auth/htpasswd_edit.h"
#include "cli/terminal_input.h"
#include "sys/atomic_file.h"
#include "sys/small_file.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kMinCost = 4;
constexpr int kMaxCost = 14;           // cost 15 already takes seconds per login on a small server
constexpr mode_t kNewFileMode = 0600;  // hashes are secrets: offline guessing needs them

struct PasswdFlags {
  std::string user;
  std::string htpasswd;
  bool password_stdin = false;
  int cost = auth::kDefaultBcryptCost;
  bool remove = false;
};

int failed(std::string_view message) {
  fmt::print(stderr, "regmirror passwd: {}\n", message);
  return kFailed;
}

struct CurrentFile {
  std::string text;  // empty when the file does not exist yet
  mode_t mode = kNewFileMode;
  bool exists = false;
};

// The file as it is, and the permission bits its replacement keeps.
sys::Result<CurrentFile> read_current(const fs::path& path) {
  CurrentFile current;
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) {
    if (errno != ENOENT) return sys::os_error("stat", path, errno);
    return current;
  }
  if (!S_ISREG(status.st_mode)) {
    return sys::fail(sys::Errc::kInvalid, fmt::format("{} is not a regular file", path.string()));
  }
  sys::Result<std::string> text = sys::read_small_file(path, auth::kMaxHtpasswdSize);
  if (!text) return std::unexpected(text.error());
  current.text = std::move(*text);
  current.mode = status.st_mode & 07777;
  current.exists = true;
  return current;
}

// --password-stdin, else typed twice without echo.
oci::Result<std::string> read_new_password(bool from_stdin) {
  if (from_stdin) return read_stdin_password();
  const std::optional<std::string> first = prompt("New password: ", true);
  if (!first) return oci::fail(oci::ErrorCode::kUnsupported, "no password given");
  const std::optional<std::string> second = prompt("Re-type new password: ", true);
  if (!second) return oci::fail(oci::ErrorCode::kUnsupported, "no password given");
  if (*first != *second) return oci::fail(oci::ErrorCode::kUnsupported, "the passwords differ");
  return *first;
}

// The file's new text: without the user (--delete), else with their new hash.
oci::Result<auth::HtpasswdEdit> edited(const PasswdFlags& flags, std::string_view text) {
  if (flags.remove) return auth::delete_htpasswd_user(text, flags.user);
  oci::Result<std::string> password = read_new_password(flags.password_stdin);
  if (!password) return std::unexpected(password.error());
  if (password->empty()) return oci::fail(oci::ErrorCode::kUnsupported, "the password is empty");
  oci::Result<std::string> hash = auth::hash_password(*password, flags.cost);
  if (!hash) return std::unexpected(hash.error());
  return auth::set_htpasswd_user(text, flags.user, *hash);
}

std::string done_message(auth::HtpasswdChange change, const PasswdFlags& flags) {
  switch (change) {
    case auth::HtpasswdChange::kAdded:
      return fmt::format("Added user {} to {}", flags.user, flags.htpasswd);
    case auth::HtpasswdChange::kChanged:
      return fmt::format("Changed password of {} in {}", flags.user, flags.htpasswd);
    case auth::HtpasswdChange::kDeleted:
      return fmt::format("Deleted user {} from {}", flags.user, flags.htpasswd);
  }
  return {};
}

int run_passwd(const PasswdFlags& flags) {
  const fs::path path = flags.htpasswd;
  sys::Result<CurrentFile> current = read_current(path);
  if (!current) return failed(current.error().message);
  // A file the server would refuse is reported before a password is asked for.
  if (oci::Result<auth::Htpasswd> parsed = auth::Htpasswd::parse(current->text); !parsed) {
    return failed(fmt::format("{}: {}", flags.htpasswd, parsed.error().message));
  }

  oci::Result<auth::HtpasswdEdit> edit = edited(flags, current->text);
  if (!edit) return failed(edit.error().message);

  if (sys::Result<void> written = sys::write_file_atomically(path, edit->text, current->mode);
      !written) {
    return failed(written.error().message);
  }
  fmt::print("{}\n", done_message(edit->change, flags));
  return kOk;
}

}  // namespace

void add_passwd_command(CLI::App& app) {
  auto flags = std::make_shared<PasswdFlags>();
  auto* passwd = app.add_subcommand(
      "passwd", "Add a user to an htpasswd file, change their password or delete them");
  passwd->footer(
      "Writes bcrypt ($2y$) hashes as `htpasswd -B` does; a file holding other kinds of hash\n"
      "is refused, naming the line. A missing file is created with mode 0600 (an existing one\n"
      "keeps its mode); other lines, comments and their order are kept byte for byte; the file\n"
      "is replaced atomically. Without --password-stdin the password is typed twice on the\n"
      "terminal, not echoed.\n"
      "Exit status: 0 done, 1 refused or failed (nothing written), 2 usage error.\n"
      "Examples:\n"
      "  regmirror passwd alice --htpasswd /etc/regmirror/htpasswd      # prompts twice\n"
      "  printf '%s\\n' \"$PW\" | regmirror passwd robot --htpasswd users --password-stdin\n"
      "  regmirror passwd alice --htpasswd users --delete\n"
      "Guide: docs/passwd.md");
  passwd->add_option("user", flags->user, "user name (no ':', space or control character)")
      ->required();
  passwd->add_option("--htpasswd", flags->htpasswd, "htpasswd file to edit (created if missing)")
      ->required();
  auto* password_stdin = passwd->add_flag("--password-stdin", flags->password_stdin,
                                          "read the password from stdin instead of prompting");
  auto* cost = passwd
                   ->add_option("--cost", flags->cost,
                                fmt::format("bcrypt cost, {} to {} (default {})", kMinCost,
                                            kMaxCost, auth::kDefaultBcryptCost))
                   ->check(CLI::Range(kMinCost, kMaxCost));
  passwd->add_flag("--delete", flags->remove, "remove the user instead")
      ->excludes(password_stdin)
      ->excludes(cost);
  passwd->callback([flags] {
    if (std::string reason = auth::invalid_user_reason(flags->user); !reason.empty()) {
      throw CLI::ValidationError(reason);
    }
    throw CLI::RuntimeError(run_passwd(*flags));
  });
}

}  // namespace cli
