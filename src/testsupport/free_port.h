// A loopback TCP port nothing listens on, for a test server: the kernel picks it, so tests
// running in parallel do not collide.
#pragma once

namespace testsupport {

// Throws std::runtime_error when no port can be had.
int free_port();

}  // namespace testsupport
