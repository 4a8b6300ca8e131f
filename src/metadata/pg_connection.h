// One PostgreSQL connection (libpq), used by one thread at a time, with its prepared
// statements cached, and the results it returns.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "oci/error.h"

namespace metadata::postgres {

// Bytes bound as BYTEA rather than as text.
struct Bytes {
  std::string_view bytes;
};

// A query's answer, freed when dropped.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}

  int count() const { return PQntuples(result_.get()); }
  // Rows an INSERT, UPDATE or DELETE changed.
  std::int64_t changed() const;
  std::string text(int row, int column) const;
  std::optional<std::string> optional_text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  std::string bytes(int row, int column) const;  // a BYTEA column
  const PGresult* result() const { return result_.get(); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// A parameter as libpq takes it: text, or binary for BYTEA; nullopt is NULL.
struct Parameter {
  std::optional<std::string> value;
  bool binary = false;
};

class Connection {
 public:
  // Connects to `url` (a libpq URI or connection string), giving up after `timeout`.
  static oci::Result<std::unique_ptr<Connection>> open(const std::string& url,
                                                       std::chrono::milliseconds timeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` (one statement; $1, $2... bound to `values`: text, integers, Bytes, or
  // optionals of them), prepared on first use on this connection and cached.
  template <class... Values>
  oci::Result<Rows> query(std::string_view sql, const Values&... values) {
    std::vector<Parameter> parameters;
    parameters.reserve(sizeof...(values));
    (parameters.push_back(parameter(values)), ...);
    return execute(sql, parameters);
  }

  // Runs uncached SQL without parameters, possibly several statements (schema scripts,
  // BEGIN/COMMIT).
  oci::Result<void> script(const std::string& sql);

  // Runs `body` (which returns a Result) between BEGIN and COMMIT, rolling back when it
  // fails. A transaction that lost a deadlock or a serialization conflict is tried again a few
  // times.
  template <class Body>
  std::invoke_result_t<Body&> transaction(Body&& body) {
    constexpr int kAttempts = 4;
    for (int attempt = 1;; ++attempt) {
      auto result = transaction_once(body);
      if (result || !last_failure_was_conflict() || attempt == kAttempts) return result;
    }
  }

  // The connection was lost (the server went away or restarted): drop it, open another.
  bool broken() const { return PQstatus(connection_) == CONNECTION_BAD; }
  // Statements sent since mark_fresh(): when the connection broke on the first, the server
  // saw nothing of the work, which may then be tried again on another connection.
  int statements_run() const { return statements_run_; }
  void mark_fresh() { statements_run_ = 0; }

 private:
  explicit Connection(PGconn* connection) : connection_(connection) {}

  template <class T>
  static Parameter parameter(const T& value) {
    if constexpr (std::is_integral_v<T>) {
      return {std::to_string(value)};
    } else if constexpr (std::is_same_v<T, Bytes>) {
      return {std::string(value.bytes), true};
    } else if constexpr (requires { value.has_value(); }) {
      return value ? parameter(*value) : Parameter{};
    } else {
      return {std::string(std::string_view(value))};
    }
  }

  oci::Result<Rows> execute(std::string_view sql, const std::vector<Parameter>& parameters);
  // The error of a failed call, the server's SQLSTATE remembered for
  // last_failure_was_conflict().
  std::unexpected<oci::Error> fail(const PGresult* result, std::string_view context);

  template <class Body>
  std::invoke_result_t<Body&> transaction_once(Body& body) {
    last_state_.clear();
    if (auto begun = script("BEGIN"); !begun) return std::unexpected(std::move(begun.error()));
    auto result = body();
    if (result) {
      if (auto committed = script("COMMIT"); !committed) {
        result = std::unexpected(std::move(committed.error()));
      }
    }
    if (!result) roll_back();
    return result;
  }
  void roll_back();
  bool last_failure_was_conflict() const;

  struct StringHash : std::hash<std::string_view> {
    using is_transparent = void;
  };

  PGconn* connection_;
  // SQL -> name of its prepared statement on this connection.
  std::unordered_map<std::string, std::string, StringHash, std::equal_to<>> prepared_;
  std::string last_state_;  // SQLSTATE of the last failure
  int statements_run_ = 0;
};

// `url` with its password, if any, replaced by "***": for messages.
std::string redacted(std::string_view url);

}  // namespace metadata::postgres
