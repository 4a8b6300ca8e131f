// A way for tests to see what a user without privileges sees: tests often run as root,
// whom file permissions do not stop.
#pragma once

#include <functional>

namespace testsupport {

// Runs `check` as a user that permissions apply to (in a child process as "nobody" when
// the test runs as root) and returns what it returned (1 true, 0 false); -1 when the child
// could not run it.
int run_unprivileged(const std::function<bool()>& check);

}  // namespace testsupport
