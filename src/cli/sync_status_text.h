// What `regmirror sync status` prints from a GET /regmirror/v1/sync body: per set its
// schedule and sync.yaml, its last run (times, images, bytes), its next run and the last
// run's errors.
#pragma once

#include <string>
#include <string_view>

#include "oci/error.h"

namespace cli {

// Fails when the body is not the endpoint's JSON.
oci::Result<std::string> sync_status_text(std::string_view body, std::string_view server);

}  // namespace cli
