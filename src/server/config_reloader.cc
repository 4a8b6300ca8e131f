#include "server/config_reloader.h"

#include <spdlog/spdlog.h>

#include "server/config_changes.h"
#include "sys/small_file.h"

namespace server {

ConfigReloader::ConfigReloader(ConfigSource source, Authenticator* authenticator)
    : source_(std::move(source)), authenticator_(authenticator) {}

oci::Result<ConfigReloader::Loaded> ConfigReloader::load() const {
  auto text = sys::read_small_file(source_.file, kMaxConfigBytes);
  if (!text) {
    return oci::fail(oci::ErrorCode::kInternal,
                     "cannot read " + source_.file.string() + ": " + text.error().message);
  }
  auto config = parse_server_config(*text, source_.file.string());
  if (!config) return std::unexpected(config.error());
  if (source_.apply_flags) {
    if (auto applied = source_.apply_flags(*config); !applied) {
      return std::unexpected(applied.error());
    }
  }
  Loaded loaded{std::move(*text), std::move(*config), std::nullopt};
  if (authenticator_ != nullptr && loaded.config.auth.enabled()) {
    auto rules = effective_rules(loaded.config.auth);
    if (!rules) return std::unexpected(rules.error());
    loaded.rules = std::move(*rules);
  }
  return loaded;
}

void ConfigReloader::log_keys_needing_restart(const Loaded& loaded) const {
  auto changed = changed_config_keys(source_.text, loaded.text);
  if (!changed) return;  // both parsed already
  for (const std::string& key : *changed) {
    if (!reloads_on_sighup(key)) spdlog::warn("SIGHUP: {} changed: needs a restart", key);
  }
  // Auth's rules cannot turn auth on or off: requests go through no authenticator, or one.
  if (authenticator_ == nullptr && loaded.config.auth.enabled()) {
    spdlog::warn("SIGHUP: auth was off at start: turning it on needs a restart");
  } else if (authenticator_ != nullptr && !loaded.config.auth.enabled()) {
    spdlog::warn("SIGHUP: turning auth off needs a restart; the access rules stay as they were");
  }
}

void ConfigReloader::reload() {
  if (source_.file.empty()) {
    spdlog::info("SIGHUP: no config file to re-read (serve started without --config)");
    return;
  }
  auto loaded = load();
  if (!loaded) {
    spdlog::error("SIGHUP: keeping the running configuration: {}", loaded.error().message);
    return;
  }
  log_keys_needing_restart(*loaded);
  spdlog::set_level(spdlog::level::from_str(loaded->config.log_level));
  // The htpasswd file needs no SIGHUP: it is looked at every few seconds (server.cc).
  if (loaded->rules) {
    authenticator_->replace_rules(std::move(*loaded->rules));
    authenticator_->replace_admins(loaded->config.auth.admins, loaded->config.auth.groups);
  }
  spdlog::info("SIGHUP: reloaded {}", source_.file.string());
}

}  // namespace server
