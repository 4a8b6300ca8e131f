#include "nodeconf/config_file.h"

#include "nodeconf/config_file_decoder.h"
#include "nodeconf/go_quote.h"
#include "nodeconf/registry_validation.h"
#include "nodeconf/short_name_aliases.h"
#include "nodeconf/v1_format.h"

namespace nodeconf {
namespace {

std::unexpected<oci::Error> invalid(std::string message) {
  return oci::fail(oci::ErrorCode::kInternal, std::move(message));
}

oci::Result<std::optional<ShortNameMode>> parse_short_name_mode(const std::string& mode) {
  if (mode.empty()) return std::nullopt;
  if (mode == "disabled") return ShortNameMode::kDisabled;
  if (mode == "enforcing") return ShortNameMode::kEnforcing;
  if (mode == "permissive") return ShortNameMode::kPermissive;
  return invalid("invalid short-name mode: " + go_quote(mode));
}

}  // namespace

oci::Result<ConfigFile> parse_config_file(std::string_view text, std::string_view path,
                                          FileRole role) {
  auto decoded = decode_config_file(text, path);
  if (!decoded) return std::unexpected(decoded.error());
  if (has_v1_tables(*decoded)) {
    if (role == FileRole::kDropIn) return invalid("registry must be in v2 format but is in v1");
    if (has_v2_keys(*decoded)) return invalid(mixing_v1_v2_error(*decoded));
    if (auto converted = convert_v1_to_v2(*decoded); !converted) {
      return std::unexpected(converted.error());
    }
  }

  ConfigFile file;
  file.path = path;
  file.registries = std::move(decoded->registries).value_or(std::vector<Registry>{});
  file.unqualified_search_registries = std::move(decoded->unqualified_search_registries);
  file.credential_helpers = std::move(decoded->credential_helpers);
  if (auto valid = validate_registries(file.registries, file.unqualified_search_registries);
      !valid) {
    return std::unexpected(valid.error());
  }
  auto mode = parse_short_name_mode(decoded->short_name_mode);
  if (!mode) return std::unexpected(mode.error());
  file.short_name_mode = *mode;
  if (auto valid = validate_wildcard_prefixes(file.registries); !valid) {
    return std::unexpected(valid.error());
  }
  auto aliases =
      validate_aliases(decoded->aliases.value_or(std::map<std::string, std::string>{}), path);
  if (!aliases) {
    return invalid("validating short-name aliases: " + aliases.error().message);
  }
  file.aliases = std::move(*aliases);
  return file;
}

}  // namespace nodeconf
