#include "cli/access_flags.h"

#include <cstdlib>
#include <optional>

#include "nodeconf/registries_conf_loader.h"

namespace cli {
namespace {

constexpr std::string_view kSystemRegistriesConf = "/etc/containers/registries.conf";
constexpr std::string_view kSystemRegistriesConfDir = "/etc/containers/registries.conf.d";

oci::Result<client::Credentials> parse_creds(const std::string& text) {
  const std::size_t colon = text.find(':');
  client::Credentials credentials;
  credentials.username = text.substr(0, colon);
  if (colon != std::string::npos) credentials.password = text.substr(colon + 1);
  if (credentials.username.empty()) {
    return oci::fail(oci::ErrorCode::kUnauthorized, "the user name is empty");
  }
  return credentials;
}

void add_side(CLI::App& command, SideFlags& side, const std::string& prefix,
              const std::string& what) {
  command.add_option("--" + prefix + "authfile", side.authfile,
                     "auth.json for " + what + " (default: containers-auth.json(5) search)");
  command
      .add_option("--" + prefix + "creds", side.creds,
                  "USER[:PASSWORD] for " + what + " (overrides the auth file)")
      ->check(CLI::Validator(
          [](const std::string& text) {
            const oci::Result<client::Credentials> parsed = parse_creds(text);
            return parsed ? std::string() : parsed.error().message;
          },
          "USER[:PASSWORD]"));
  side.tls_verify_option = command.add_flag(
      "--" + prefix + "tls-verify", side.tls_verify,
      "verify TLS for " + what + "; =false also allows plain HTTP (default: registries.conf)");
  command.add_option("--" + prefix + "cert-dir", side.cert_dir,
                     "directory of *.crt/*.cert/*.key for " + what + ", instead of certs.d");
}

// The side's own flag wins over the global one.
std::string pick(const std::string& side, const std::string& global) {
  return side.empty() ? global : side;
}

}  // namespace

void add_access_flags(CLI::App& command, AccessFlags& flags, Sides sides) {
  add_side(command, flags.global, "", sides == Sides::kOne ? "the registry" : "both sides");
  if (sides == Sides::kSourceAndDestination) {
    add_side(command, flags.source, "src-", "the source");
    add_side(command, flags.destination, "dest-", "the destination");
  }
  command.add_option("--certs-d", flags.certs_d_roots,
                     "containers-certs.d root with <host[:port]>/ directories (repeatable; "
                     "default /etc/containers/certs.d, /etc/docker/certs.d, "
                     "~/.config/containers/certs.d)");
  command.add_option("--registries-conf", flags.registries_conf,
                     "registries.conf for insecure registries and mirrors "
                     "(default $CONTAINERS_REGISTRIES_CONF, else "
                     "/etc/containers/registries.conf)");
  command.add_option("--registries-conf-dir", flags.registries_conf_dir,
                     "registries.conf.d drop-in directory");
  command
      .add_option("--retry-times", flags.retry_times,
                  "retries of a failed request (429, 5xx, connection errors)")
      ->check(CLI::Range(0, 100));
  command.add_option("--state-dir", flags.state_dir,
                     "where interrupted uploads are journalled for resuming "
                     "(default $XDG_STATE_HOME/regmirror)");
}

oci::Result<std::shared_ptr<nodeconf::RegistriesConf>> read_registries_conf(
    const std::string& file, const std::string& dropin_dir) {
  std::string named = file;
  if (named.empty()) {
    if (const char* env = std::getenv("CONTAINERS_REGISTRIES_CONF"); env != nullptr) named = env;
  }
  const nodeconf::ConfigLocation location{
      .file = named.empty() ? std::string(kSystemRegistriesConf) : named,
      .dropin_dir = dropin_dir.empty() ? std::string(kSystemRegistriesConfDir) : dropin_dir,
      .file_is_optional = named.empty()};
  oci::Result<nodeconf::RegistriesConf> conf = nodeconf::load_registries_conf(location);
  if (!conf) return std::unexpected(conf.error());
  return std::make_shared<nodeconf::RegistriesConf>(std::move(*conf));
}

oci::Result<void> load_registries_conf(AccessFlags& flags) {
  auto conf = read_registries_conf(flags.registries_conf, flags.registries_conf_dir);
  if (!conf) return std::unexpected(conf.error());
  flags.conf = std::move(*conf);
  return {};
}

oci::Result<transfer::AccessOptions> access_options(const AccessFlags& flags,
                                                    const SideFlags* side) {
  const SideFlags empty;
  const SideFlags& own = side != nullptr ? *side : empty;
  transfer::AccessOptions options;
  if (const std::string authfile = pick(own.authfile, flags.global.authfile); !authfile.empty()) {
    options.authfile = authfile;
  }
  if (const std::string creds = pick(own.creds, flags.global.creds); !creds.empty()) {
    oci::Result<client::Credentials> parsed = parse_creds(creds);
    if (!parsed) return std::unexpected(parsed.error());
    options.credentials = std::move(*parsed);
  }
  if (own.tls_verify_option != nullptr && own.tls_verify_option->count() > 0) {
    options.tls_verify = own.tls_verify;
  } else if (flags.global.tls_verify_option != nullptr &&
             flags.global.tls_verify_option->count() > 0) {
    options.tls_verify = flags.global.tls_verify;
  }
  if (const std::string dir = pick(own.cert_dir, flags.global.cert_dir); !dir.empty()) {
    options.cert_dir = dir;
  }
  options.certs_d_roots.assign(flags.certs_d_roots.begin(), flags.certs_d_roots.end());
  options.registries_conf = flags.conf.get();
  options.retry.attempts = flags.retry_times + 1;
  return options;
}

}  // namespace cli
