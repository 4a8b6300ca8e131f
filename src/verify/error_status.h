// A registry client's error as a verify status: TLS failures are UNTRUSTED, refused
// credentials DENIED, 404s MISSING, no connection UNREACHABLE, the rest ERROR.
#pragma once

#include "oci/error.h"
#include "verify/verdict.h"

namespace verify {

Status status_of(const oci::Error& error);

}  // namespace verify
