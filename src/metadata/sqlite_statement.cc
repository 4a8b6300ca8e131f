#include "metadata/sqlite_statement.h"

#include <utility>

#include "metadata/sqlite_connection.h"

namespace metadata::sqlite {

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      statement_(std::exchange(other.statement_, nullptr)),
      bind_failure_(other.bind_failure_) {}

Statement::~Statement() {
  if (statement_ != nullptr) sqlite3_reset(statement_);
}

oci::Result<bool> Statement::step() {
  if (bind_failure_ != SQLITE_OK) return connection_->fail(bind_failure_, "bind");
  switch (const int code = sqlite3_step(statement_)) {
    case SQLITE_ROW:
      return true;
    case SQLITE_DONE:
      return false;
    default:
      return connection_->fail(code, sqlite3_sql(statement_));
  }
}

oci::Result<void> Statement::run() {
  while (true) {
    auto row = step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return {};
  }
}

std::string Statement::text(int column) const {
  const auto* bytes = sqlite3_column_text(statement_, column);
  if (bytes == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(bytes),
                     static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (sqlite3_column_type(statement_, column) == SQLITE_NULL) return std::nullopt;
  return text(column);
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(statement_, column);
}

std::string Statement::blob(int column) const {
  const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement_, column));
  if (bytes == nullptr) return {};
  return std::string(bytes, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
}

void Statement::bind_text(int index, std::string_view text) {
  // SQLITE_TRANSIENT copies the text, so that temporaries may be bound. A default-constructed
  // string_view has no data pointer, which SQLite would bind as NULL rather than "".
  const char* data = text.data() != nullptr ? text.data() : "";
  remember_bind_failure(
      sqlite3_bind_text64(statement_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

void Statement::bind_blob(int index, std::string_view bytes) {
  // A zero-length blob with no data pointer would bind as NULL, which the column refuses.
  const char* data = bytes.data() != nullptr ? bytes.data() : "";
  remember_bind_failure(
      sqlite3_bind_blob64(statement_, index, data, bytes.size(), SQLITE_TRANSIENT));
}

void Statement::bind_integer(int index, std::int64_t value) {
  remember_bind_failure(sqlite3_bind_int64(statement_, index, value));
}

void Statement::bind_null(int index) {
  remember_bind_failure(sqlite3_bind_null(statement_, index));
}

void Statement::remember_bind_failure(int code) {
  if (code != SQLITE_OK && bind_failure_ == SQLITE_OK) bind_failure_ = code;
}

}  // namespace metadata::sqlite
