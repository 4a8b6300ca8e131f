#include "storage/s3_test_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

namespace storage::testing_s3 {

namespace {

namespace fs = std::filesystem;

fs::path fixture(const char* name) {
  return fs::path(REGMIRROR_SOURCE_DIR) / "tests/fixtures" / name;
}

}  // namespace

std::unique_ptr<S3TestServer> S3TestServer::start() {
  char pattern[] = "/tmp/regmirror-s3rver-XXXXXX";
  const char* made = ::mkdtemp(pattern);
  if (made == nullptr) throw std::runtime_error("mkdtemp failed");
  const fs::path directory = made;
  const std::string command =
      "python3 " + fixture("s3_server.py").string() + " start " + directory.string();
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  std::string output;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) output += buffer.data();
  const int status = ::pclose(pipe);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
    fs::remove_all(directory);
    return nullptr;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(command + " failed: " + output);
  }
  const auto started = nlohmann::json::parse(output);
  return std::unique_ptr<S3TestServer>(new S3TestServer(directory,
                                                        started.at("endpoint").get<std::string>(),
                                                        started.at("bucket").get<std::string>()));
}

S3TestServer::~S3TestServer() {
  const std::string command =
      "python3 " + fixture("s3_server.py").string() + " stop " + directory_.string();
  (void)std::system(command.c_str());  // NOLINT(concurrency-mt-unsafe): at test teardown
  std::error_code ignored;
  fs::remove_all(directory_, ignored);
}

S3Options S3TestServer::options(const std::string& prefix) const {
  S3Options options;
  options.endpoint = endpoint_;
  options.bucket = bucket_;
  options.region = "us-east-1";
  options.credentials = {"S3RVER", "S3RVER", ""};
  options.path_style = true;
  options.prefix = prefix;
  options.part_size = kMinimumPartSize;
  options.part_copy = false;  // s3rver has no UploadPartCopy
  options.retry = RetryPolicy{5, std::chrono::milliseconds(20), std::chrono::milliseconds(200),
                              std::chrono::milliseconds(20000)};
  return options;
}

FaultProxy::FaultProxy(const std::string& upstream, const fs::path& directory,
                       const std::vector<std::string>& arguments)
    : log_(directory /
           ("proxy-" + std::to_string(::getpid()) + "-" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".log")) {
  const fs::path port_file = log_.string() + ".port";
  std::vector<std::string> argv = {"python3",     fixture("fault_proxy.py").string(),
                                   "--upstream",  upstream,
                                   "--port-file", port_file.string(),
                                   "--log",       log_.string()};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    std::vector<char*> raw;
    raw.reserve(argv.size() + 1);
    for (auto& arg : argv) raw.push_back(arg.data());
    raw.push_back(nullptr);
    ::execvp(raw[0], raw.data());
    ::_exit(127);
  }
  for (int i = 0; i < 200 && port_ == 0; ++i) {
    std::ifstream in(port_file);
    if (!(in >> port_)) port_ = 0;
    if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (port_ == 0) throw std::runtime_error("fault_proxy.py did not start");
}

FaultProxy::~FaultProxy() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::vector<std::string> FaultProxy::log() const {
  std::vector<std::string> lines;
  std::ifstream in(log_);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace storage::testing_s3
