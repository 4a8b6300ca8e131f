// Reads registries.conf and its registries.conf.d drop-ins the way containers/image does and
// returns the merged configuration. The only I/O of the resolver: reading the files named here.
#pragma once

#include <filesystem>

#include "nodeconf/registries_conf.h"
#include "oci/error.h"

namespace nodeconf {

struct ConfigLocation {
  std::filesystem::path file;        // registries.conf
  std::filesystem::path dropin_dir;  // registries.conf.d; a missing directory means no drop-ins
  // True for the system default path: a missing file then means an empty configuration,
  // as podman treats /etc/containers/registries.conf. A file named by the user must exist.
  bool file_is_optional = false;
};

// Errors read as containers/image's: `loading registries configuration "FILE": ...`,
// `loading drop-in registries configuration "FILE": ...`, `reading registries.conf.d: ...`.
oci::Result<RegistriesConf> load_registries_conf(const ConfigLocation& location);

}  // namespace nodeconf
