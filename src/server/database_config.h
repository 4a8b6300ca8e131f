// The `database:` section of the server config: where the metadata lives (docs/config.md).
#pragma once

#include <yaml-cpp/yaml.h>

#include "metadata/database_options.h"
#include "oci/error.h"

namespace server {

// Reads `node` (the `database:` mapping: url, pool_size, connect_timeout) into `out`; an error
// names the key. The URL's password never appears in an error.
oci::Result<void> read_database_config(const YAML::Node& node, metadata::DatabaseOptions& out);

}  // namespace server
