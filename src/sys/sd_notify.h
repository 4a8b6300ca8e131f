// Readiness for systemd's Type=notify services (sd_notify(3)), written by hand: one datagram
// on the unix socket NOTIFY_SOCKET names, so no libsystemd is linked. Without NOTIFY_SOCKET
// (not started by systemd, or by a unit of another Type) every call does nothing.
#pragma once

#include <string_view>

#include "sys/error.h"

namespace sys {

// Sends `state` ("READY=1", "STOPPING=1", newline-separated assignments) to the socket
// NOTIFY_SOCKET names: a path, or an abstract socket when it starts with '@'. Nothing is sent,
// and nothing fails, when NOTIFY_SOCKET is unset or empty.
Result<void> sd_notify(std::string_view state);

// "RELOADING=1" with the MONOTONIC_USEC= systemd 253 and later ask for (older ones ignore it).
Result<void> sd_notify_reloading();

}  // namespace sys
