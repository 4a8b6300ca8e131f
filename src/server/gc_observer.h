// What a finished garbage collection run tells the rest of the process: its figures in
// /metrics, a delete event for each tag its retention rules removed and a gc.delete event for
// each manifest it removed. Both the POST
// /regmirror/v1/gc handler and serve's schedule report through here.
#pragma once

#include "events/sink.h"
#include "oci/error.h"
#include "registry/gc.h"

namespace server {

// `report` is the run's outcome: a run skipped because another one holds the lease counts as
// "skipped"; a dry run counts as a run but frees nothing and emits no event.
void observe_gc_run(const oci::Result<registry::GcReport>& report, events::Sink* sink);

}  // namespace server
