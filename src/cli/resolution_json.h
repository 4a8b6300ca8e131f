// `regmirror resolve --json`: one object per reference. Its "error", "blocked" and
// "pull_sources" are containers/image's library view, "transport" and "short_name" the two
// other views, with the same field names as the registries.conf oracle
// (tests/resolver/oracle/README.md), so tests compare the two directly.
#pragma once

#include <nlohmann/json.hpp>

#include "nodeconf/resolution.h"

namespace cli {

nlohmann::ordered_json resolution_json(const nodeconf::Resolution& resolution);

}  // namespace cli
