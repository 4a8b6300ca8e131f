#include "cli/login_command.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "cli/access_flags.h"
#include "cli/terminal_input.h"
#include "client/auth_file.h"
#include "transfer/open_store.h"

namespace cli {
namespace {

namespace fs = std::filesystem;

constexpr int kOk = 0;
constexpr int kFailed = 1;

struct LoginFlags {
  std::string registry;
  std::string username;
  std::string password;
  CLI::Option* password_option = nullptr;
  bool password_stdin = false;
  std::string authfile;
  bool tls_verify = true;
  CLI::Option* tls_verify_option = nullptr;
  std::string cert_dir;
  std::string registries_conf;
};

struct LogoutFlags {
  std::string registry;
  bool all = false;
  std::string authfile;
};

int failed(std::string_view command, std::string_view message) {
  fmt::print(stderr, "regmirror {}: {}\n", command, message);
  return kFailed;
}

client::AuthEnvironment auth_environment(const std::string& authfile) {
  return client::AuthEnvironment::from_process(
      authfile.empty() ? std::nullopt : std::optional<fs::path>(authfile));
}

// GET /v2/ with `credentials` through the registry's authentication.
oci::Result<void> check_login(const LoginFlags& flags, const std::string& host,
                              const client::Credentials& credentials) {
  transfer::AccessOptions access;
  access.credentials = credentials;
  std::shared_ptr<nodeconf::RegistriesConf> conf;
  if (flags.tls_verify_option->count() > 0) {
    access.tls_verify = flags.tls_verify;
  } else {
    oci::Result<std::shared_ptr<nodeconf::RegistriesConf>> loaded =
        read_registries_conf(flags.registries_conf, {});
    if (!loaded) return std::unexpected(loaded.error());
    conf = std::move(*loaded);
    access.registries_conf = conf.get();
  }
  if (!flags.cert_dir.empty()) access.cert_dir = flags.cert_dir;
  access.retry.attempts = 2;  // a login is interactive: fail fast
  transfer::StoreOpener opener;
  oci::Result<std::shared_ptr<client::RegistryClient>> client = opener.client_for(host, access);
  if (!client) return std::unexpected(client.error());
  return (*client)->check_credentials();
}

std::string login_error(const std::string& key, const oci::Error& error) {
  if (error.code == oci::ErrorCode::kUnauthorized) {
    return fmt::format("logging into \"{}\": invalid username/password ({})", key, error.message);
  }
  return fmt::format("logging into \"{}\": {}", key, error.message);
}

int run_login(const LoginFlags& flags) {
  oci::Result<std::string> key = client::normalize_auth_key(flags.registry);
  if (!key) return failed("login", key.error().message);
  const std::string host = key->substr(0, key->find('/'));
  const client::AuthEnvironment env = auth_environment(flags.authfile);
  oci::Result<fs::path> path = client::auth_write_path(env);
  if (!path) return failed("login", path.error().message);

  const bool password_given = flags.password_option->count() > 0;

  // Nothing given: podman first tries what the auth files already hold.
  if (flags.username.empty() && !password_given && !flags.password_stdin) {
    oci::Result<std::optional<client::Credentials>> existing =
        client::find_credentials(client::auth_read_paths(env), *key);
    if (existing && *existing) {
      fmt::print("Authenticating with existing credentials for {}\n", *key);
      if (check_login(flags, host, **existing)) {
        fmt::print("Existing credentials are valid. Already logged in to {}\n", host);
        return kOk;
      }
      fmt::print(stderr,
                 "Existing credentials are invalid, please enter valid username and "
                 "password\n");
    }
  }

  client::Credentials credentials;
  credentials.username = flags.username;
  if (credentials.username.empty()) {
    std::optional<std::string> typed = prompt("Username: ", false);
    if (!typed) return failed("login", "no username given (use --username)");
    credentials.username = *typed;
  }
  if (credentials.username.empty()) return failed("login", "the username is empty");
  if (password_given) {
    credentials.password = flags.password;
  } else if (flags.password_stdin) {
    credentials.password = read_stdin_password();
  } else {
    std::optional<std::string> typed = prompt("Password: ", true);
    if (!typed) return failed("login", "no password given (use --password or --password-stdin)");
    credentials.password = *typed;
  }
  if (credentials.password.empty()) return failed("login", "the password is empty");

  if (oci::Result<void> checked = check_login(flags, host, credentials); !checked) {
    return failed("login", login_error(*key, checked.error()));
  }
  oci::Result<client::AuthFile> file = client::AuthFile::load({*path, false});
  if (!file) return failed("login", file.error().message);
  if (oci::Result<void> set = file->set(*key, credentials); !set) {
    return failed("login", set.error().message);
  }
  if (oci::Result<void> saved = file->save(*path); !saved) {
    return failed("login", saved.error().message);
  }
  fmt::print("Login Succeeded!\n");
  return kOk;
}

int run_logout(const LogoutFlags& flags) {
  const client::AuthEnvironment env = auth_environment(flags.authfile);
  oci::Result<fs::path> path = client::auth_write_path(env);
  if (!path) return failed("logout", path.error().message);
  oci::Result<client::AuthFile> file = client::AuthFile::load({*path, false});
  if (!file) return failed("logout", file.error().message);

  if (flags.all) {
    file->clear();
    if (oci::Result<void> saved = file->save(*path); !saved) {
      return failed("logout", saved.error().message);
    }
    fmt::print("Removed login credentials for all registries\n");
    return kOk;
  }
  oci::Result<std::string> key = client::normalize_auth_key(flags.registry);
  if (!key) return failed("logout", key.error().message);
  if (!file->remove(*key)) {
    // Credentials in a file login does not write (~/.docker/config.json, ...) stay there.
    for (const client::AuthFilePath& other : client::auth_read_paths(env)) {
      if (other.path == *path) continue;
      oci::Result<client::AuthFile> read = client::AuthFile::load(other);
      if (!read) continue;
      oci::Result<std::optional<client::Credentials>> found = read->find(*key);
      if (found && *found) {
        return failed("logout",
                      fmt::format("not logged into {} with regmirror: the credentials in {} were "
                                  "not written by login; remove them there (e.g. docker logout)",
                                  *key, other.path.string()));
      }
    }
    return failed("logout", fmt::format("not logged into {}", *key));
  }
  if (oci::Result<void> saved = file->save(*path); !saved) {
    return failed("logout", saved.error().message);
  }
  fmt::print("Removed login credentials for {}\n", *key);
  return kOk;
}

}  // namespace

void add_login_command(CLI::App& app) {
  auto flags = std::make_shared<LoginFlags>();
  auto* login = app.add_subcommand(
      "login", "Check credentials against a registry and store them in the auth file");
  login->footer(
      "The credentials go to --authfile, else $REGISTRY_AUTH_FILE, else\n"
      "${XDG_RUNTIME_DIR}/containers/auth.json (containers-auth.json(5)), where podman,\n"
      "skopeo, buildah and regmirror copy/sync/pull find them. Nothing is written unless the\n"
      "registry accepts them. Exit status: 0 logged in, 1 refused or failed, 2 usage error.\n"
      "Examples:\n"
      "  regmirror login -u alice quay.io                      # prompts for the password\n"
      "  echo \"$TOKEN\" | regmirror login -u robot --password-stdin registry.example:5000\n"
      "  regmirror login --tls-verify=false -u a -p s 127.0.0.1:5000\n"
      "  regmirror login --authfile ./auth.json -u a -p s quay.io/team   # namespace key\n"
      "Guide: docs/login.md");
  login->add_option("registry", flags->registry, "registry host[:port], or host/namespace")
      ->required();
  auto* username =
      login->add_option("-u,--username", flags->username, "user name (prompted when missing)");
  flags->password_option =
      login->add_option("-p,--password", flags->password, "password (prompted when missing)");
  login->add_flag("--password-stdin", flags->password_stdin, "read the password from stdin")
      ->needs(username);
  login->add_option("--authfile", flags->authfile,
                    "auth file to write (default $REGISTRY_AUTH_FILE, else "
                    "${XDG_RUNTIME_DIR}/containers/auth.json)");
  flags->tls_verify_option = login->add_flag(
      "--tls-verify", flags->tls_verify,
      "verify TLS; =false also allows plain HTTP (default: registries.conf's insecure)");
  login->add_option("--cert-dir", flags->cert_dir,
                    "directory of *.crt/*.cert/*.key to use instead of certs.d");
  login->add_option("--registries-conf", flags->registries_conf,
                    "registries.conf for insecure registries (default "
                    "$CONTAINERS_REGISTRIES_CONF, else /etc/containers/registries.conf)");
  login->callback([flags] {
    // Not CLI11's excludes(): its message ("--password excludes ...") reads worse than podman's.
    if (flags->password_stdin && flags->password_option->count() > 0) {
      throw CLI::ValidationError("--password and --password-stdin are mutually exclusive");
    }
    throw CLI::RuntimeError(run_login(*flags));
  });
}

void add_logout_command(CLI::App& app) {
  auto flags = std::make_shared<LogoutFlags>();
  auto* logout = app.add_subcommand("logout", "Remove stored credentials for a registry");
  logout->footer(
      "Removes the entry login wrote, from the same file (--authfile, else\n"
      "$REGISTRY_AUTH_FILE, else ${XDG_RUNTIME_DIR}/containers/auth.json).\n"
      "Exit status: 0 removed, 1 not logged in or failed, 2 usage error.\n"
      "Examples:\n"
      "  regmirror logout quay.io\n"
      "  regmirror logout --authfile ./auth.json 127.0.0.1:5000\n"
      "  regmirror logout --all\n"
      "Guide: docs/login.md");
  auto* registry =
      logout->add_option("registry", flags->registry, "registry host[:port], or host/namespace");
  logout->add_flag("-a,--all", flags->all, "remove the credentials of every registry")
      ->excludes(registry);
  logout->add_option("--authfile", flags->authfile,
                     "auth file to edit (default $REGISTRY_AUTH_FILE, else "
                     "${XDG_RUNTIME_DIR}/containers/auth.json)");
  logout->callback([flags] {
    if (!flags->all && flags->registry.empty()) throw CLI::RequiredError("a registry or --all");
    throw CLI::RuntimeError(run_logout(*flags));
  });
}

}  // namespace cli
