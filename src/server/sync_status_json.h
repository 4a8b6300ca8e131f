// The body of GET /regmirror/v1/sync: every scheduled sync set with its schedule, whether it
// is running, its last finished run and its next run (times in RFC 3339, UTC). docs/serve.md
// shows it.
#pragma once

#include <string>
#include <vector>

#include "sync/sync_scheduler.h"

namespace server {

std::string sync_status_json(const std::vector<imagesync::SetStatus>& sets);

}  // namespace server
