// containers-auth.json(5): which files hold registry credentials, reading them the way
// containers/image's pkg/docker/config does, and editing the one login/logout write.
//
// The environment is a parameter (AuthEnvironment), so tests set HOME, XDG_* and
// REGISTRY_AUTH_FILE without touching the process's environment.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/credentials.h"
#include "oci/error.h"

namespace client {

// What the search depends on; from_process() reads the real environment.
struct AuthEnvironment {
  std::optional<std::filesystem::path> authfile;  // --authfile
  std::string registry_auth_file;                 // $REGISTRY_AUTH_FILE
  std::string xdg_runtime_dir;                    // $XDG_RUNTIME_DIR
  std::string xdg_config_home;                    // $XDG_CONFIG_HOME ("" = $HOME/.config)
  std::string docker_config;                      // $DOCKER_CONFIG ("" = $HOME/.docker)
  std::string home;                               // $HOME
  unsigned uid = 0;                               // for /run/containers/<uid>/auth.json

  static AuthEnvironment from_process(std::optional<std::filesystem::path> authfile);
};

struct AuthFilePath {
  std::filesystem::path path;
  bool legacy_format = false;  // ~/.dockercfg: the "auths" map is the whole file

  friend bool operator==(const AuthFilePath&, const AuthFilePath&) = default;
};

// The files searched for credentials, first match wins. A file the user named (--authfile,
// else $REGISTRY_AUTH_FILE) is the only one. Otherwise: ${XDG_RUNTIME_DIR}/containers/auth.json
// (skipped when XDG_RUNTIME_DIR names a directory that does not exist; without
// XDG_RUNTIME_DIR, /run/containers/<uid>/auth.json), ${XDG_CONFIG_HOME:-~/.config}/containers/
// auth.json, ${DOCKER_CONFIG:-~/.docker}/config.json, ~/.dockercfg.
std::vector<AuthFilePath> auth_read_paths(const AuthEnvironment& env);

// The file login and logout edit: --authfile, else $REGISTRY_AUTH_FILE, else the
// XDG_RUNTIME_DIR one (an error when XDG_RUNTIME_DIR names a missing directory).
oci::Result<std::filesystem::path> auth_write_path(const AuthEnvironment& env);

// "host[:port]", "host/ns" or "host/ns/repo": no scheme, no tag, no digest (containers/image's
// validateKey). "https://host/" as podman accepts it on its command line becomes "host".
oci::Result<std::string> normalize_auth_key(std::string_view text);

// One auth file's content. Keys and fields this code does not know are kept as they are.
class AuthFile {
 public:
  // A missing file reads as empty; an empty or malformed one is an error naming the file.
  static oci::Result<AuthFile> load(const AuthFilePath& path);

  // The credentials for `name` ("host/ns/repo" or "host"): the longest exact key among
  // name, its parent namespaces and the host, then the legacy spellings of the host
  // ("https://host/v1/", docker.io as index.docker.io). nullopt when the file has nothing
  // usable; kUnsupported when credHelpers (or credsStore, for a docker-login marker entry)
  // keeps them elsewhere.
  oci::Result<std::optional<Credentials>> find(std::string_view name) const;

  // login: "auths"[key] = {"auth": base64(user:password)} (replacing the whole entry).
  // kUnsupported when credHelpers names a helper for the key.
  oci::Result<void> set(const std::string& key, const Credentials& credentials);
  // logout: false when there was no entry for the key.
  bool remove(const std::string& key);
  // logout --all: every "auths" entry; credHelpers stay (their secrets are elsewhere).
  void clear();
  std::vector<std::string> keys() const;

  // Written atomically (temp file in the same directory, fsync, rename) with mode 0600; the
  // directories are created with mode 0700.
  oci::Result<void> save(const std::filesystem::path& path) const;

  const nlohmann::json& json() const { return json_; }

 private:
  AuthFile(nlohmann::json json, std::string origin, bool legacy_format)
      : json_(std::move(json)), origin_(std::move(origin)), legacy_format_(legacy_format) {}
  const nlohmann::json& auths() const;

  nlohmann::json json_;
  std::string origin_;  // the file, for messages
  bool legacy_format_ = false;
};

// Searches `files` in order for `name`; the first file with credentials wins.
oci::Result<std::optional<Credentials>> find_credentials(const std::vector<AuthFilePath>& files,
                                                         std::string_view name);

// The lookup a RegistryClient for `host` uses: the files are read now, once; a file that does
// not parse, or an entry for `host` that needs a credential helper, is an error here rather
// than a silent anonymous request later.
oci::Result<CredentialLookup> auth_file_lookup(const std::vector<AuthFilePath>& files,
                                               std::string host);

}  // namespace client
