// For tests: s3rver started through tests/fixtures/s3_server.py (and, in front of it, the
// fault-injecting proxy of tests/fixtures/fault_proxy.py), stopped when dropped.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "storage/s3_options.h"

namespace storage::testing_s3 {

class S3TestServer {
 public:
  // nullptr when node or s3rver is missing (the caller skips); throws when it fails to start.
  static std::unique_ptr<S3TestServer> start();
  ~S3TestServer();
  S3TestServer(const S3TestServer&) = delete;
  S3TestServer& operator=(const S3TestServer&) = delete;

  // Options reaching the bucket under `prefix`, path style, with short retries.
  S3Options options(const std::string& prefix) const;
  const std::filesystem::path& directory() const { return directory_; }

 private:
  S3TestServer(std::filesystem::path directory, std::string endpoint, std::string bucket)
      : directory_(std::move(directory)),
        endpoint_(std::move(endpoint)),
        bucket_(std::move(bucket)) {}
  std::filesystem::path directory_;
  std::string endpoint_;
  std::string bucket_;
};

// fault_proxy.py in front of `upstream` (an http://host:port endpoint) with `arguments`.
class FaultProxy {
 public:
  FaultProxy(const std::string& upstream, const std::filesystem::path& directory,
             const std::vector<std::string>& arguments);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // The log's lines (one JSON object per request).
  std::vector<std::string> log() const;

 private:
  int pid_ = -1;
  int port_ = 0;
  std::filesystem::path log_;
};

}  // namespace storage::testing_s3
