#include "metadata/sqlite_connection.h"

namespace metadata::sqlite {

namespace {

// How long a connection waits for another one's write lock before giving up with SQLITE_BUSY.
constexpr int kBusyTimeoutMs = 5000;

constexpr int kOpenFlags =
    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;

}  // namespace

oci::Result<std::unique_ptr<Connection>> Connection::open(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  const int code = sqlite3_open_v2(file.c_str(), &db, kOpenFlags, nullptr);
  if (code != SQLITE_OK) {
    std::string message = "open " + file.string() + ": " +
                          (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code));
    sqlite3_close_v2(db);
    return oci::fail(oci::ErrorCode::kInternal, std::move(message));
  }
  std::unique_ptr<Connection> connection(new Connection(db));
  // busy_timeout first: switching to WAL needs a lock another connection may hold.
  auto configured =
      connection->execute_script("PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs) +
                                 ";"
                                 "PRAGMA journal_mode = WAL;"
                                 "PRAGMA synchronous = NORMAL;"
                                 "PRAGMA foreign_keys = ON;");
  if (!configured) return std::unexpected(std::move(configured.error()));
  return connection;
}

Connection::~Connection() {
  for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  sqlite3_close_v2(db_);
}

oci::Result<void> Connection::execute_script(const std::string& sql) {
  const int code = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) return fail(code, sql);
  return {};
}

std::unexpected<oci::Error> Connection::fail(int code, std::string_view context) {
  last_failure_ = code;
  return oci::fail(oci::ErrorCode::kInternal, std::string("database: ") + sqlite3_errmsg(db_) +
                                                  " (" + sqlite3_errstr(code) +
                                                  ") in: " + std::string(context));
}

bool Connection::last_failure_was_busy() const {
  const int primary = last_failure_ & 0xff;  // extended result codes carry it in the low byte
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

oci::Result<sqlite3_stmt*> Connection::cached(std::string_view sql) {
  if (auto found = statements_.find(sql); found != statements_.end()) return found->second;
  sqlite3_stmt* statement = nullptr;
  const int code = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (code != SQLITE_OK) return fail(code, sql);
  statements_.emplace(sql, statement);
  return statement;
}

void Connection::roll_back() {
  // A failed statement may have rolled the transaction back already.
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace metadata::sqlite
