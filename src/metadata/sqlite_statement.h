// A prepared statement borrowed from a connection's cache for one execution.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "oci/error.h"

namespace metadata::sqlite {

class Connection;

// Bytes bound as a BLOB rather than as text.
struct Blob {
  std::string_view bytes;
};

// Parameters are bound when it is made; it is reset when dropped, so that the cache can hand
// it out again and no read transaction outlives the call.
class Statement {
 public:
  Statement(Connection& connection, sqlite3_stmt* statement)
      : connection_(&connection), statement_(statement) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Binds `values` to ?1, ?2, ...: text, integers, Blobs, or optionals of them (nullopt is
  // NULL).
  template <class... Values>
  void bind(const Values&... values) {
    int index = 0;
    (bind_value(++index, values), ...);
  }

  // True when a row is ready to be read, false when the statement is done.
  oci::Result<bool> step();
  // Steps a statement that returns no rows to its end.
  oci::Result<void> run();

  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::int64_t integer(int column) const;
  std::string blob(int column) const;

 private:
  template <class T>
  void bind_value(int index, const T& value) {
    if constexpr (std::is_integral_v<T>) {
      bind_integer(index, static_cast<std::int64_t>(value));
    } else if constexpr (std::is_same_v<T, Blob>) {
      bind_blob(index, value.bytes);
    } else if constexpr (requires { value.has_value(); }) {
      if (value) {
        bind_value(index, *value);
      } else {
        bind_null(index);
      }
    } else {
      bind_text(index, std::string_view(value));
    }
  }
  void bind_text(int index, std::string_view text);
  void bind_integer(int index, std::int64_t value);
  void bind_blob(int index, std::string_view bytes);
  void bind_null(int index);
  void remember_bind_failure(int code);

  Connection* connection_;
  sqlite3_stmt* statement_;
  int bind_failure_ = SQLITE_OK;  // reported by the next step()
};

}  // namespace metadata::sqlite
