// A garbage collection run's report as JSON: the body of POST /regmirror/v1/gc and the output
// of `regmirror gc --json` (docs/gc.md shows it).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "oci/error.h"
#include "registry/gc.h"

namespace server {

std::string gc_report_json(const registry::GcReport& report);

// A retention pass's report as JSON: the output of `regmirror retention --json`
// (docs/retention.md shows it).
std::string retention_report_json(const registry::RetentionReport& report);

// The body of POST /regmirror/v1/gc: empty, or a JSON object whose optional `dry_run` is a
// bool. The dry_run it asks for; kUnsupported for anything else.
oci::Result<bool> parse_gc_request(std::string_view body);

}  // namespace server
