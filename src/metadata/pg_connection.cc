#include "metadata/pg_connection.h"

#include <algorithm>
#include <array>

namespace metadata::postgres {

namespace {

// libpq's message without its trailing newline.
std::string message_of(const char* text) {
  std::string message = text != nullptr ? text : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

}  // namespace

std::int64_t Rows::changed() const {
  const char* count = PQcmdTuples(result_.get());
  return count != nullptr && *count != '\0' ? std::stoll(count) : 0;
}

std::string Rows::text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::optional<std::string> Rows::optional_text(int row, int column) const {
  if (PQgetisnull(result_.get(), row, column) != 0) return std::nullopt;
  return text(row, column);
}

std::int64_t Rows::integer(int row, int column) const {
  return std::stoll(PQgetvalue(result_.get(), row, column));
}

std::string Rows::bytes(int row, int column) const {
  // Results come as text: BYTEA in its hex form, which libpq decodes.
  std::size_t length = 0;
  unsigned char* decoded = PQunescapeBytea(
      reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, column)), &length);
  if (decoded == nullptr) return {};
  std::string bytes(reinterpret_cast<const char*>(decoded), length);
  PQfreemem(decoded);
  return bytes;
}

oci::Result<std::unique_ptr<Connection>> Connection::open(const std::string& url,
                                                          std::chrono::milliseconds timeout) {
  // libpq counts the timeout in whole seconds (and takes 1 as 2).
  const std::string seconds =
      std::to_string(std::max<std::int64_t>(2, (timeout.count() + 999) / 1000));
  // Later keywords override earlier ones. First what the URL may change: a server that goes
  // silent (a partition, not a reset) is noticed within about 30 s instead of TCP's 15 min,
  // as a call blocked on it holds a thread of the blocking pool. Then the URL; then what the
  // configuration says.
  const std::array<const char*, 9> keywords = {
      "keepalives",       "keepalives_idle",  "keepalives_interval",
      "keepalives_count", "tcp_user_timeout", "dbname",
      "connect_timeout",  "application_name", nullptr};
  const std::array<const char*, 9> values = {
      "1", "10", "5", "3", "30000", url.c_str(), seconds.c_str(), "regmirror", nullptr};
  PGconn* connection = PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  if (connection == nullptr)
    return oci::fail(oci::ErrorCode::kInternal, "postgresql: out of memory");
  if (PQstatus(connection) != CONNECTION_OK) {
    std::string message = "postgresql: cannot connect to " + redacted(url) + ": " +
                          message_of(PQerrorMessage(connection));
    PQfinish(connection);
    return oci::fail(oci::ErrorCode::kInternal, std::move(message));
  }
  // Notices ("relation ... already exists, skipping") are for people at a psql prompt.
  PQsetNoticeProcessor(
      connection, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(new Connection(connection));
}

Connection::~Connection() { PQfinish(connection_); }

oci::Result<Rows> Connection::execute(std::string_view sql,
                                      const std::vector<Parameter>& parameters) {
  auto prepared = prepared_.find(sql);
  if (prepared == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    const std::string text(sql);
    Rows made(PQprepare(connection_, name.c_str(), text.c_str(), 0, nullptr));
    ++statements_run_;
    if (PQresultStatus(made.result()) != PGRES_COMMAND_OK) return fail(made.result(), sql);
    prepared = prepared_.emplace(text, std::move(name)).first;
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const Parameter& parameter : parameters) {
    values.push_back(parameter.value ? parameter.value->data() : nullptr);
    lengths.push_back(parameter.value ? static_cast<int>(parameter.value->size()) : 0);
    formats.push_back(parameter.binary ? 1 : 0);
  }
  Rows rows(PQexecPrepared(connection_, prepared->second.c_str(),
                           static_cast<int>(parameters.size()), values.data(), lengths.data(),
                           formats.data(), /*resultFormat=*/0));
  ++statements_run_;
  const ExecStatusType status = PQresultStatus(rows.result());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return fail(rows.result(), sql);
  return rows;
}

oci::Result<void> Connection::script(const std::string& sql) {
  Rows rows(PQexec(connection_, sql.c_str()));
  ++statements_run_;
  const ExecStatusType status = PQresultStatus(rows.result());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return fail(rows.result(), sql);
  return {};
}

std::unexpected<oci::Error> Connection::fail(const PGresult* result, std::string_view context) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_state_ = state != nullptr ? state : "";
  // A result's own message when there is one; the connection's when the call never got one.
  std::string message = message_of(result != nullptr ? PQresultErrorMessage(result) : nullptr);
  if (message.empty()) message = message_of(PQerrorMessage(connection_));
  if (broken()) message = "connection lost: " + message;
  // The statement's first line tells which one failed, without its parameters.
  const std::string_view first_line = context.substr(0, context.find('\n'));
  return oci::fail(oci::ErrorCode::kInternal, "postgresql: " + message + " (in: " +
                                                  std::string(first_line.substr(0, 80)) + ")");
}

void Connection::roll_back() {
  if (broken()) return;
  Rows ignored(PQexec(connection_, "ROLLBACK"));
}

bool Connection::last_failure_was_conflict() const {
  // serialization_failure, deadlock_detected
  return last_state_ == "40001" || last_state_ == "40P01";
}

std::string redacted(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return "the configured database";
  const auto authority = scheme + 3;
  const auto at = url.find('@', authority);
  const auto slash = url.find('/', authority);
  if (at == std::string_view::npos || (slash != std::string_view::npos && at > slash)) {
    return std::string(url.substr(0, url.find('?')));
  }
  const auto colon = url.find(':', authority);
  std::string shown(url.substr(0, at));
  if (colon != std::string_view::npos && colon < at)
    shown = std::string(url.substr(0, colon + 1)) + "***";
  // Query parameters may hold a password too (?password=...): they are left out.
  const auto rest = url.substr(at);
  return shown + std::string(rest.substr(0, rest.find('?')));
}

}  // namespace metadata::postgres
