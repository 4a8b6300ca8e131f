#include "client/test_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "testsupport/free_port.h"

namespace client::testing {
namespace {

bool can_connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string run_capture(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  std::string out;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe.get())) out += buffer;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace

Server::Server(std::vector<std::string> argv, std::filesystem::path log, int port)
    : log_(std::move(log)), port_(port) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  const int rc = ::posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
}

Server::~Server() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

bool Server::wait_ready(int seconds) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return false;
    if (can_connect(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string Server::log_tail() const {
  std::ifstream in(log_);
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
}

std::optional<std::filesystem::path> find_program(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    auto candidate = std::filesystem::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::unique_ptr<Server> start_regmirror(const std::filesystem::path& binary,
                                        const std::filesystem::path& dir) {
  const int port = testsupport::free_port();
  std::filesystem::create_directories(dir / "data");
  return std::make_unique<Server>(
      std::vector<std::string>{binary.string(), "serve", "--listen",
                               "127.0.0.1:" + std::to_string(port), "--storage",
                               (dir / "data").string(), "--log-level", "warn",
                               // Larger than a client accepts, so that the client's limit shows.
                               "--max-manifest-bytes", std::to_string(8 << 20)},
      dir / "server.log", port);
}

std::unique_ptr<Server> start_docker_registry(const std::filesystem::path& dir,
                                              const std::string& htpasswd_user,
                                              const std::string& password) {
  const int port = testsupport::free_port();
  std::filesystem::create_directories(dir / "data");
  std::string auth;
  if (!htpasswd_user.empty()) {
    // The password goes through the environment, not the command line.
    ::setenv("REGMIRROR_TEST_PASSWORD", password.c_str(), 1);
    const std::string hash = run_capture(
        "python3 -W ignore -c 'import crypt, os; print(crypt.crypt("
        "os.environ[\"REGMIRROR_TEST_PASSWORD\"], crypt.mksalt(crypt.METHOD_BLOWFISH)))'");
    if (!hash.starts_with("$2")) throw std::runtime_error("no bcrypt hash from python3: " + hash);
    write_file(dir / "htpasswd", htpasswd_user + ":" + hash + "\n");
    auth = "auth:\n  htpasswd:\n    realm: test-realm\n    path: " + (dir / "htpasswd").string() +
           "\n";
  }
  write_file(dir / "config.yml",
             "version: 0.1\n"
             "log:\n  level: warn\n  accesslog:\n    disabled: true\n"
             "storage:\n  filesystem:\n    rootdirectory: " +
                 (dir / "data").string() +
                 "\n  delete:\n    enabled: true\n"
                 "http:\n  addr: 127.0.0.1:" +
                 std::to_string(port) + "\n" + auth);
  return std::make_unique<Server>(
      std::vector<std::string>{"docker-registry", "serve", (dir / "config.yml").string()},
      dir / "server.log", port);
}

std::unique_ptr<Server> start_token_server(const std::filesystem::path& script,
                                           const std::filesystem::path& dir, int upstream_port,
                                           const std::string& user, const std::string& password,
                                           int expires_in,
                                           const std::filesystem::path& request_log) {
  const int port = testsupport::free_port();
  std::filesystem::create_directories(dir);
  return std::make_unique<Server>(
      std::vector<std::string>{"python3", script.string(), "--upstream",
                               "http://127.0.0.1:" + std::to_string(upstream_port), "--listen",
                               "127.0.0.1:" + std::to_string(port), "--user", user, "--password",
                               password, "--expires-in", std::to_string(expires_in), "--log",
                               request_log.string(), "--redirect-blobs"},
      dir / "token_server.log", port);
}

}  // namespace client::testing
