// One SQLite connection, used by one thread at a time, with its prepared statements cached.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "metadata/sqlite_statement.h"
#include "oci/error.h"

namespace metadata::sqlite {

class Connection {
 public:
  // Opens (creating it if needed) the database in `file` and sets the pragmas every connection
  // needs: WAL, synchronous=NORMAL, foreign keys, busy timeout.
  static oci::Result<std::unique_ptr<Connection>> open(const std::filesystem::path& file);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The statement for `sql`, prepared on first use and cached, with `values` bound to ?1...
  template <class... Values>
  oci::Result<Statement> prepare(std::string_view sql, const Values&... values) {
    auto statement = cached(sql);
    if (!statement) return std::unexpected(std::move(statement.error()));
    Statement bound(*this, *statement);
    bound.bind(values...);
    return bound;
  }

  // Prepares, binds and runs a statement that returns no rows.
  template <class... Values>
  oci::Result<void> run(std::string_view sql, const Values&... values) {
    auto statement = prepare(sql, values...);
    if (!statement) return std::unexpected(std::move(statement.error()));
    return statement->run();
  }

  // Runs uncached SQL, possibly several statements: pragmas and schema scripts.
  oci::Result<void> execute_script(const std::string& sql);

  // Rows the last INSERT, UPDATE or DELETE changed itself (not through foreign keys).
  std::int64_t changes() const { return sqlite3_changes64(db_); }

  // Runs `body` (which returns a Result) between BEGIN IMMEDIATE and COMMIT, rolling back when
  // it fails. While the database stays busy beyond the busy timeout, the whole transaction is
  // tried again a few times.
  template <class Body>
  std::invoke_result_t<Body&> write_transaction(Body&& body) {
    constexpr int kAttempts = 4;
    for (int attempt = 1;; ++attempt) {
      auto result = transaction_once(body);
      if (result || !last_failure_was_busy() || attempt == kAttempts) return result;
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
    }
  }

  // The error for a failed call that returned `code`, remembered for last_failure_was_busy().
  std::unexpected<oci::Error> fail(int code, std::string_view context);

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  oci::Result<sqlite3_stmt*> cached(std::string_view sql);

  template <class Body>
  std::invoke_result_t<Body&> transaction_once(Body& body) {
    last_failure_ = SQLITE_OK;  // so that a failure of `body` itself is not taken for busy
    if (auto begun = run("BEGIN IMMEDIATE"); !begun) {
      return std::unexpected(std::move(begun.error()));
    }
    auto result = body();
    if (result) {
      if (auto committed = run("COMMIT"); !committed) {
        result = std::unexpected(std::move(committed.error()));
      }
    }
    if (!result) roll_back();
    return result;
  }
  // Leaves last_failure_ alone: it tells why the transaction failed.
  void roll_back();
  bool last_failure_was_busy() const;

  struct StringHash : std::hash<std::string_view> {
    using is_transparent = void;
  };

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*, StringHash, std::equal_to<>> statements_;
  int last_failure_ = SQLITE_OK;
};

}  // namespace metadata::sqlite
