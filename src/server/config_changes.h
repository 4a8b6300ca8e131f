// What changed between two versions of the configuration file, for SIGHUP: which keys take
// effect while serving and which need a restart.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"

namespace server {

// The dotted keys ("listen", "storage.s3.bucket", "auth.access") whose values differ between
// the YAML texts `before` and `after`, a key set in only one of them included; sorted. A
// list is one value: a changed rule is its whole `auth.access`. Errors are YAML syntax errors.
oci::Result<std::vector<std::string>> changed_config_keys(std::string_view before,
                                                          std::string_view after);

// Whether a change of `key` takes effect at a SIGHUP (the log level and auth's rules); every
// other key needs a restart.
bool reloads_on_sighup(std::string_view key);

}  // namespace server
