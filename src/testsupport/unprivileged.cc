#include "testsupport/unprivileged.h"

#include <sys/wait.h>
#include <unistd.h>

namespace testsupport {

int run_unprivileged(const std::function<bool()>& check) {
  if (::geteuid() != 0) return check() ? 1 : 0;
  const pid_t child = ::fork();
  if (child < 0) return -1;
  if (child == 0) {
    constexpr uid_t kNobody = 65534;
    if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) ::_exit(2);
    ::_exit(check() ? 1 : 0);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  const int code = WEXITSTATUS(status);
  return code <= 1 ? code : -1;
}

}  // namespace testsupport
