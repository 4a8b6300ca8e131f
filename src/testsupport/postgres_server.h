// A throwaway PostgreSQL cluster for a test binary: tests/fixtures/postgres_server.py run from
// C++. Starting one takes about two seconds, so a binary starts one and gives each test its own
// database in it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "testsupport/temp_dir.h"

namespace testsupport {

class PostgresServer {
 public:
  // Starts a cluster on 127.0.0.1 with a database "regmirror" in it; nullptr when the
  // PostgreSQL binaries are not installed (the caller skips). Throws std::runtime_error when
  // they are but the cluster does not start.
  static std::unique_ptr<PostgresServer> start();
  ~PostgresServer();  // stops it and removes its directory
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // postgresql://user:password@127.0.0.1:port/regmirror
  const std::string& url() const { return url_; }
  // The same server and credentials, database `name` (which the caller creates).
  std::string url_of(std::string_view database) const;
  // Stops and starts it again: clients' connections break, the data stays.
  void restart();

 private:
  PostgresServer() = default;
  TempDir directory_;
  std::string url_;
};

}  // namespace testsupport
