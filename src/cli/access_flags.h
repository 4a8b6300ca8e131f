// The registry access flags copy, pull and sync share (skopeo's spelling): auth files and
// credentials, TLS verification and trust, registries.conf for insecure registries,
// retries, and the upload journal. Global ones apply to both sides; --src-*/--dest-* win.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nodeconf/registries_conf.h"
#include "oci/error.h"
#include "transfer/open_store.h"

namespace cli {

// One side's flags as given (empty/nullopt when not given).
struct SideFlags {
  std::string authfile;
  std::string creds;  // USER[:PASSWORD]
  bool tls_verify = true;
  CLI::Option* tls_verify_option = nullptr;  // given at all?
  std::string cert_dir;
};

struct AccessFlags {
  SideFlags global;
  SideFlags source;
  SideFlags destination;
  std::vector<std::string> certs_d_roots;
  std::string registries_conf;
  std::string registries_conf_dir;
  int retry_times = 3;
  std::string state_dir;

  // Loaded by load(): registries_conf points into it.
  std::shared_ptr<nodeconf::RegistriesConf> conf;
};

enum class Sides { kOne, kSourceAndDestination };

// Registers the flags on `command`. With kOne only the global spelling exists (pull).
void add_access_flags(CLI::App& command, AccessFlags& flags, Sides sides);

// registries.conf as the containers tools find it: `file`, else $CONTAINERS_REGISTRIES_CONF,
// else the system one (missing is fine then); drop-ins from `dropin_dir`, else the system's.
oci::Result<std::shared_ptr<nodeconf::RegistriesConf>> read_registries_conf(
    const std::string& file, const std::string& dropin_dir);

// Reads registries.conf into flags.conf (read_registries_conf of the flags).
oci::Result<void> load_registries_conf(AccessFlags& flags);

// The options for one side (`side` may be nullptr for pull's single side).
oci::Result<transfer::AccessOptions> access_options(const AccessFlags& flags,
                                                    const SideFlags* side);

}  // namespace cli
