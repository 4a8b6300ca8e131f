// Real registries on loopback for the client's integration test: regmirror serve,
// Debian's docker-registry (optionally with htpasswd Basic auth) and the Bearer token server
// (tests/fixtures/token_server.py). Each runs on a free port in its own temp dir and is
// stopped (SIGTERM, then SIGKILL) when its object goes away.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace client::testing {

// A child process whose output goes to `log`.
class Server {
 public:
  Server(std::vector<std::string> argv, std::filesystem::path log, int port);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  // True once the port accepts connections (false if the process died or time ran out).
  bool wait_ready(int seconds = 30) const;
  std::string log_tail() const;

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_;
  int port_;
};

// Null when `program` is not on PATH.
std::optional<std::filesystem::path> find_program(const std::string& program);

// Accepts manifests up to 8 MiB.
std::unique_ptr<Server> start_regmirror(const std::filesystem::path& binary,
                                        const std::filesystem::path& dir);
// `htpasswd_user`/`password`: Basic auth through an htpasswd file (bcrypt, made by python3).
std::unique_ptr<Server> start_docker_registry(const std::filesystem::path& dir,
                                              const std::string& htpasswd_user = {},
                                              const std::string& password = {});
// Tokens live `expires_in` seconds; blob GETs are redirected to a storage origin that refuses
// the registry's Authorization. Every request is logged to `request_log` (JSON lines).
std::unique_ptr<Server> start_token_server(const std::filesystem::path& script,
                                           const std::filesystem::path& dir, int upstream_port,
                                           const std::string& user, const std::string& password,
                                           int expires_in,
                                           const std::filesystem::path& request_log);

}  // namespace client::testing
