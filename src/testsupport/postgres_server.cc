#include "testsupport/postgres_server.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <stdexcept>

namespace testsupport {

namespace {

constexpr int kMissing = 77;  // the script's exit status when PostgreSQL is not installed

struct Output {
  int status = -1;
  std::string stdout_text;
};

// Runs the fixture script with `command` on `directory`; its stderr goes to the test's.
Output run_fixture(const char* command, const std::filesystem::path& directory) {
  const std::string line = std::string("python3 '") + REGMIRROR_POSTGRES_FIXTURE + "' " + command +
                           " '" + directory.string() + "'";
  Output output;
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) return output;
  std::array<char, 256> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) {
    output.stdout_text += buffer.data();
  }
  const int status = ::pclose(pipe);
  output.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

}  // namespace

std::unique_ptr<PostgresServer> PostgresServer::start() {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  const Output started = run_fixture("start", server->directory_.path());
  if (started.status == kMissing) return nullptr;
  if (started.status != 0) {
    throw std::runtime_error("postgres_server.py start failed (status " +
                             std::to_string(started.status) + ")");
  }
  server->url_ = started.stdout_text.substr(0, started.stdout_text.find('\n'));
  return server;
}

PostgresServer::~PostgresServer() { run_fixture("stop", directory_.path()); }

std::string PostgresServer::url_of(std::string_view database) const {
  return url_.substr(0, url_.rfind('/') + 1) + std::string(database);
}

void PostgresServer::restart() {
  if (run_fixture("restart", directory_.path()).status != 0) {
    throw std::runtime_error("postgres_server.py restart failed");
  }
}

}  // namespace testsupport
