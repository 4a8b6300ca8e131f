// containers-registries.conf(5) version 2, as containers/image holds it after loading: the
// model every other part of the resolver reads. Field meanings follow the man page.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "oci/reference.h"

namespace nodeconf {

// pull-from-mirror values
inline constexpr std::string_view kPullFromMirrorAll = "all";
inline constexpr std::string_view kPullFromMirrorDigestOnly = "digest-only";
inline constexpr std::string_view kPullFromMirrorTagOnly = "tag-only";

// Where a registry (or one of its mirrors) is reached.
struct Endpoint {
  // host[:port][/namespace]; empty only for a "*.example.com" prefix without location.
  std::string location;
  bool insecure = false;  // plain HTTP or unverified TLS allowed
  // Mirrors only: "", "all", "digest-only" or "tag-only".
  std::string pull_from_mirror;

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// One [[registry]] table.
struct Registry {
  std::string prefix;  // what references are matched against; defaults to the location
  Endpoint endpoint;   // the primary location
  std::vector<Endpoint> mirrors;
  bool blocked = false;
  bool mirror_by_digest_only = false;

  friend bool operator==(const Registry&, const Registry&) = default;
};

enum class ShortNameMode { kDisabled, kPermissive, kEnforcing };

// [aliases] entry: short name -> fully qualified repository. An empty value in a file resets
// an alias set by an earlier file and is kept as nullopt.
struct ShortNameAlias {
  std::optional<oci::Reference> value;
  std::string origin;  // the file that set it

  friend bool operator==(const ShortNameAlias&, const ShortNameAlias&) = default;
};
using AliasTable = std::map<std::string, ShortNameAlias, std::less<>>;

// The files a configuration came from, as error messages name them.
struct ConfigSources {
  std::string file;                       // registries.conf
  std::string dropin_dir;                 // registries.conf.d
  bool file_read = false;                 // false when an optional system file does not exist
  std::vector<std::string> dropin_files;  // the drop-ins read, in the order applied
};

// The merged configuration: main file plus drop-ins.
struct RegistriesConf {
  // De-duplicated by prefix and sorted by prefix (byte order), as containers/image keeps
  // them; on equal match lengths the first one here wins.
  std::vector<Registry> registries;
  std::vector<std::string> unqualified_search_registries;
  std::string unqualified_search_registries_origin;  // "" when no file was read
  ShortNameMode short_name_mode = ShortNameMode::kPermissive;
  std::vector<std::string> credential_helpers;
  AliasTable aliases;
  ConfigSources sources;
};

}  // namespace nodeconf
