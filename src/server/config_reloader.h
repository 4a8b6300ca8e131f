// SIGHUP re-reads the configuration file: what can change while serving takes effect (the log
// level, auth's access rules, groups, admins and anonymous_pull); a changed key that needs a
// restart is logged as such; a file that no longer reads or parses, or holds a rule that does not
// hold, is logged and the running configuration kept, whole.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "oci/error.h"
#include "server/authenticator.h"
#include "server/config.h"

namespace server {

// Where serve's configuration came from, so that a SIGHUP can read it again.
struct ConfigSource {
  std::filesystem::path file;  // empty: no --config, nothing to re-read
  std::string text;            // the file as serve started with it
  // The command line's flags, applied over the file at start and again at each reload, so a
  // flag keeps winning over the file.
  std::function<oci::Result<void>(ServerConfig&)> apply_flags;
};

class ConfigReloader {
 public:
  // `authenticator` is null when serve runs without auth.
  ConfigReloader(ConfigSource source, Authenticator* authenticator);

  // Reads the file again and applies it (a blocking call), logging what it did.
  void reload();

 private:
  struct Loaded {
    std::string text;
    ServerConfig config;                     // with the flags over it
    std::optional<auth::AccessRules> rules;  // with auth on
  };
  // The file as it is now; errors say why it cannot be used.
  oci::Result<Loaded> load() const;
  // Logs each key that needs a restart and differs from the file serve started with.
  void log_keys_needing_restart(const Loaded& loaded) const;

  const ConfigSource source_;
  Authenticator* const authenticator_;
};

}  // namespace server
