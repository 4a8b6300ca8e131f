#include "client/auth_file.h"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <system_error>

#include "client/private_dirs.h"
#include "oci/json_depth.h"
#include "sys/atomic_file.h"
#include "sys/small_file.h"

namespace client {
namespace {

namespace fs = std::filesystem;

// Far more than any credential file holds; a path naming something else is not read whole.
constexpr std::uint64_t kMaxAuthFileBytes = std::uint64_t{16} << 20;

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

oci::Error error_in(std::string_view origin, std::string_view what) {
  return oci::Error{oci::ErrorCode::kInternal,
                    std::string("auth file \"").append(origin).append("\": ").append(what)};
}

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += kBase64Alphabet[(v >> 6) & 63];
    out += kBase64Alphabet[v & 63];
  }
  if (const std::size_t rest = in.size() - i; rest > 0) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Go's base64.StdEncoding.DecodeString: padding required, CR and LF ignored.
std::optional<std::string> base64_decode(std::string_view in) {
  std::string clean;
  for (char c : in) {
    if (c != '\r' && c != '\n') clean += c;
  }
  if (clean.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < clean.size(); i += 4) {
    unsigned v = 0;
    int pads = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = clean[i + j];
      if (c == '=') {
        // Padding only in the last two places of the last quantum.
        if (i + 4 != clean.size() || j < 2) return std::nullopt;
        ++pads;
        v <<= 6;
        continue;
      }
      if (pads > 0) return std::nullopt;
      const std::size_t at = kBase64Alphabet.find(c);
      if (at == std::string_view::npos) return std::nullopt;
      v = (v << 6) | static_cast<unsigned>(at);
    }
    out += static_cast<char>((v >> 16) & 0xff);
    if (pads < 2) out += static_cast<char>((v >> 8) & 0xff);
    if (pads < 1) out += static_cast<char>(v & 0xff);
  }
  return out;
}

std::string_view trim_scheme(std::string_view key) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (key.starts_with(scheme)) return key.substr(scheme.size());
  }
  return key;
}

std::string normalize_registry(std::string_view registry) {
  if (registry == "registry-1.docker.io" || registry == "docker.io") return "index.docker.io";
  return std::string(registry);
}

// containers/image's normalizeAuthFileKey: URLs (and every key of a legacy file) reduced to
// their host, docker.io spellings unified.
std::string normalize_file_key(std::string_view key, bool legacy_format) {
  std::string_view stripped = trim_scheme(key);
  if (legacy_format || stripped.size() != key.size()) {
    stripped = stripped.substr(0, stripped.find('/'));
  }
  return normalize_registry(stripped);
}

// "quay.io/a/b" -> "quay.io/a/b", "quay.io/a", "quay.io".
std::vector<std::string> keys_for(std::string_view name) {
  std::vector<std::string> keys;
  while (true) {
    keys.emplace_back(name);
    const std::size_t slash = name.rfind('/');
    if (slash == std::string_view::npos) break;
    name = name.substr(0, slash);
  }
  return keys;
}

std::string_view registry_of(std::string_view name) { return name.substr(0, name.find('/')); }

oci::Error unsupported_helper(std::string_view origin, std::string_view registry,
                              std::string_view helper, std::string_view field) {
  return oci::Error{
      oci::ErrorCode::kUnsupported,
      std::string("auth file \"")
          .append(origin)
          .append("\": the credentials for ")
          .append(registry)
          .append(" are kept by the credential helper \"docker-credential-")
          .append(helper)
          .append("\" (")
          .append(field)
          .append("), which regmirror does not support; log in with regmirror login, or pass "
                  "--authfile or --creds")};
}

}  // namespace

AuthEnvironment AuthEnvironment::from_process(std::optional<fs::path> authfile) {
  AuthEnvironment env;
  env.authfile = std::move(authfile);
  env.registry_auth_file = env_or_empty("REGISTRY_AUTH_FILE");
  env.xdg_runtime_dir = env_or_empty("XDG_RUNTIME_DIR");
  env.xdg_config_home = env_or_empty("XDG_CONFIG_HOME");
  env.docker_config = env_or_empty("DOCKER_CONFIG");
  env.home = env_or_empty("HOME");
  env.uid = static_cast<unsigned>(::getuid());
  return env;
}

namespace {

// The primary (read/write) file; nullopt with `why` set when XDG_RUNTIME_DIR is unusable.
std::optional<fs::path> primary_path(const AuthEnvironment& env, std::string* why) {
  if (env.authfile && !env.authfile->empty()) return env.authfile;
  if (!env.registry_auth_file.empty()) return fs::path(env.registry_auth_file);
  if (!env.xdg_runtime_dir.empty()) {
    std::error_code ec;
    if (!fs::exists(env.xdg_runtime_dir, ec) && !ec) {
      *why = "\"" + env.xdg_runtime_dir +
             "\" directory set by $XDG_RUNTIME_DIR does not exist. Either create the directory "
             "or unset $XDG_RUNTIME_DIR.";
      return std::nullopt;
    }
    return fs::path(env.xdg_runtime_dir) / "containers/auth.json";
  }
  return fs::path("/run/containers") / std::to_string(env.uid) / "auth.json";
}

bool user_specified(const AuthEnvironment& env) {
  return (env.authfile && !env.authfile->empty()) || !env.registry_auth_file.empty();
}

}  // namespace

std::vector<AuthFilePath> auth_read_paths(const AuthEnvironment& env) {
  std::vector<AuthFilePath> paths;
  std::string why;
  if (std::optional<fs::path> primary = primary_path(env, &why)) {
    paths.push_back({*primary, false});
  }
  if (user_specified(env)) return paths;
  const fs::path home(env.home);
  const fs::path config_home =
      env.xdg_config_home.empty() ? home / ".config" : fs::path(env.xdg_config_home);
  paths.push_back({config_home / "containers/auth.json", false});
  paths.push_back({env.docker_config.empty() ? home / ".docker/config.json"
                                             : fs::path(env.docker_config) / "config.json",
                   false});
  paths.push_back({home / ".dockercfg", true});
  return paths;
}

oci::Result<fs::path> auth_write_path(const AuthEnvironment& env) {
  std::string why;
  std::optional<fs::path> primary = primary_path(env, &why);
  if (!primary) return oci::fail(oci::ErrorCode::kInternal, why);
  return *primary;
}

oci::Result<std::string> normalize_auth_key(std::string_view text) {
  std::string_view key = trim_scheme(text);
  // A URL (https://index.docker.io/v1/) names a registry: its path is not a namespace.
  if (key.size() != text.size()) key = key.substr(0, key.find('/'));
  while (key.ends_with('/')) key.remove_suffix(1);
  const auto invalid = [&](std::string_view why) {
    return oci::fail(oci::ErrorCode::kNameInvalid,
                     std::string("invalid registry \"").append(text).append("\": ").append(why));
  };
  if (key.empty()) return invalid("empty");
  if (key.find('@') != std::string_view::npos) return invalid("contains a '@' character");
  if (const std::size_t slash = key.find('/'); slash != std::string_view::npos) {
    if (key.find(':', slash) != std::string_view::npos) {
      return invalid("contains a ':' character after host[:port] (no tags here)");
    }
    if (slash == 0 || key.find("//") != std::string_view::npos) return invalid("empty path part");
  }
  if (key.find_first_of(" \t\r\n") != std::string_view::npos) return invalid("contains spaces");
  return std::string(key);
}

oci::Result<AuthFile> AuthFile::load(const AuthFilePath& path) {
  const std::string origin = path.path.string();
  auto text = sys::read_small_file(path.path, kMaxAuthFileBytes);
  if (!text) {
    std::error_code ec;
    const bool exists = fs::exists(path.path, ec);
    if (text.error().code == sys::Errc::kNotFound && !exists && !ec) {
      nlohmann::json empty = path.legacy_format
                                 ? nlohmann::json::object()
                                 : nlohmann::json{{"auths", nlohmann::json::object()}};
      return AuthFile(std::move(empty), origin, path.legacy_format);
    }
    return std::unexpected(error_in(origin, text.error().message));
  }
  // Copies of the tree and save()'s dump() recurse per level.
  if (oci::json_nests_deeper_than(*text)) {
    return std::unexpected(
        error_in(origin, "nests deeper than " + std::to_string(oci::kMaxJsonNesting) + " levels"));
  }
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return std::unexpected(error_in(origin, "not valid JSON"));
  if (!json.is_object()) return std::unexpected(error_in(origin, "not a JSON object"));
  const nlohmann::json& auths = path.legacy_format ? json : json.value("auths", nlohmann::json());
  if (!auths.is_null() && !auths.is_object()) {
    return std::unexpected(error_in(origin, "\"auths\" is not an object"));
  }
  if (auths.is_object()) {
    for (const auto& [key, entry] : auths.items()) {
      if (!entry.is_object()) {
        return std::unexpected(error_in(origin, "the entry for \"" + key + "\" is not an object"));
      }
      for (const char* field : {"auth", "identitytoken"}) {
        if (entry.contains(field) && !entry[field].is_string()) {
          return std::unexpected(error_in(origin, "\"" + key + "\"." + field + " is not a string"));
        }
      }
    }
  }
  if (!path.legacy_format && json.contains("credHelpers") && !json["credHelpers"].is_object()) {
    return std::unexpected(error_in(origin, "\"credHelpers\" is not an object"));
  }
  return AuthFile(std::move(json), origin, path.legacy_format);
}

const nlohmann::json& AuthFile::auths() const {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  if (legacy_format_) return json_;
  const auto it = json_.find("auths");
  return it != json_.end() && it->is_object() ? *it : kEmpty;
}

oci::Result<std::optional<Credentials>> AuthFile::find(std::string_view name) const {
  const std::string_view registry = registry_of(name);
  if (!legacy_format_) {
    if (const auto helpers = json_.find("credHelpers");
        helpers != json_.end() && helpers->is_object()) {
      if (const auto helper = helpers->find(std::string(registry)); helper != helpers->end()) {
        return std::unexpected(unsupported_helper(
            origin_, registry, helper->is_string() ? helper->get<std::string>() : "?",
            "credHelpers"));
      }
    }
  }
  const nlohmann::json& entries = auths();
  const nlohmann::json* found = nullptr;
  std::string found_key;
  // Namespaced keys only match exactly; legacy files know only registries.
  const std::vector<std::string> keys =
      legacy_format_ ? std::vector<std::string>{std::string(registry)} : keys_for(name);
  for (const std::string& key : keys) {
    if (const auto it = entries.find(key); it != entries.end()) {
      found = &*it;
      found_key = key;
      break;
    }
  }
  if (found == nullptr) {
    const std::string wanted = normalize_registry(registry);
    for (const auto& [key, entry] : entries.items()) {
      if (normalize_file_key(key, legacy_format_) == wanted) {
        found = &entry;
        found_key = key;
        break;
      }
    }
  }
  if (found == nullptr) return std::nullopt;

  const std::string auth = found->value("auth", std::string());
  const std::optional<std::string> decoded = base64_decode(auth);
  if (!decoded) {
    return std::unexpected(error_in(origin_, "\"" + found_key + "\".auth is not valid base64"));
  }
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) {
    // Docker writes {} for a registry whose secret a credsStore keeps.
    if (decoded->empty() && !legacy_format_) {
      if (const auto store = json_.find("credsStore"); store != json_.end() && store->is_string()) {
        return std::unexpected(
            unsupported_helper(origin_, found_key, store->get<std::string>(), "credsStore"));
      }
    }
    return std::nullopt;  // as docker: an entry without "user:password" is skipped
  }
  Credentials credentials;
  credentials.username = decoded->substr(0, colon);
  std::string password = decoded->substr(colon + 1);
  // Go's strings.Trim(password, "\x00")
  const std::size_t first = password.find_first_not_of('\0');
  password = first == std::string::npos
                 ? std::string()
                 : password.substr(first, password.find_last_not_of('\0') - first + 1);
  credentials.password = std::move(password);
  credentials.identity_token = found->value("identitytoken", std::string());
  if (credentials.username.empty() && credentials.password.empty() &&
      credentials.identity_token.empty()) {
    return std::nullopt;
  }
  return credentials;
}

oci::Result<void> AuthFile::set(const std::string& key, const Credentials& credentials) {
  if (legacy_format_) {
    return std::unexpected(
        error_in(origin_, "writing the legacy .dockercfg format is not supported"));
  }
  if (const auto helpers = json_.find("credHelpers");
      helpers != json_.end() && helpers->is_object() && helpers->contains(key)) {
    const nlohmann::json& helper = (*helpers)[key];
    return std::unexpected(unsupported_helper(
        origin_, key, helper.is_string() ? helper.get<std::string>() : "?", "credHelpers"));
  }
  if (!json_.contains("auths") || !json_["auths"].is_object()) {
    json_["auths"] = nlohmann::json::object();
  }
  json_["auths"][key] =
      nlohmann::json{{"auth", base64_encode(credentials.username + ":" + credentials.password)}};
  return {};
}

bool AuthFile::remove(const std::string& key) {
  nlohmann::json& entries = legacy_format_ ? json_ : json_["auths"];
  if (!entries.is_object()) return false;
  return entries.erase(key) > 0;
}

void AuthFile::clear() {
  if (legacy_format_) {
    json_ = nlohmann::json::object();
  } else {
    json_["auths"] = nlohmann::json::object();
  }
}

std::vector<std::string> AuthFile::keys() const {
  std::vector<std::string> keys;
  for (const auto& [key, entry] : auths().items()) keys.push_back(key);
  return keys;
}

oci::Result<void> AuthFile::save(const fs::path& path) const {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (oci::Result<void> made = make_private_dirs(dir); !made) return made;
  // Readable by the user only, like the directory: it holds passwords.
  if (auto written = sys::write_file_atomically(path, json_.dump(1, '\t') + "\n", 0600); !written) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "saving " + path.string() + ": " + written.error().message);
  }
  return {};
}

oci::Result<std::optional<Credentials>> find_credentials(const std::vector<AuthFilePath>& files,
                                                         std::string_view name) {
  for (const AuthFilePath& path : files) {
    oci::Result<AuthFile> file = AuthFile::load(path);
    if (!file) return std::unexpected(file.error());
    oci::Result<std::optional<Credentials>> found = file->find(name);
    if (!found || *found) return found;
  }
  return std::nullopt;
}

oci::Result<CredentialLookup> auth_file_lookup(const std::vector<AuthFilePath>& files,
                                               std::string host) {
  auto loaded = std::make_shared<std::vector<AuthFile>>();
  for (const AuthFilePath& path : files) {
    oci::Result<AuthFile> file = AuthFile::load(path);
    if (!file) return std::unexpected(file.error());
    loaded->push_back(std::move(*file));
  }
  // What can go wrong for this host (a credential helper, a broken entry) shows now: every
  // entry of the host's own or of its namespaces is decoded once.
  for (const AuthFile& file : *loaded) {
    oci::Result<std::optional<Credentials>> found = file.find(host);
    if (!found) return std::unexpected(found.error());
    for (const std::string& key : file.keys()) {
      if (key.starts_with(host + "/")) {
        if (oci::Result<std::optional<Credentials>> entry = file.find(key); !entry) {
          return std::unexpected(entry.error());
        }
      }
    }
    if (*found) break;
  }
  return CredentialLookup(
      [loaded, host = std::move(host)](std::string_view repository) -> std::optional<Credentials> {
        const std::string name =
            repository.empty() ? host : std::string(host).append("/").append(repository);
        for (const AuthFile& file : *loaded) {
          oci::Result<std::optional<Credentials>> found = file.find(name);
          if (!found) return std::nullopt;  // checked above; cannot happen
          if (*found) return *found;
        }
        return std::nullopt;
      });
}

}  // namespace client
