// The status line and header block of a response, written as text into a buffer that a
// connection reuses: what Beast's serializer does, without allocating per field or per
// response. The caller writes it, then the body, in one call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/http.h"

namespace server {

class ResponseHead {
 public:
  // Starts `out` over with the status line and the headers every response carries.
  ResponseHead(std::string& out, unsigned version, http::status status);

  void add(std::string_view name, std::string_view value);
  // The value between double quotes, as an ETag needs.
  void add_quoted(std::string_view name, std::string_view value);
  // Every field as it is, Connection included.
  void add(const Fields& fields);
  void content_length(std::uint64_t length);
  // The Connection header `keep_alive` needs at this HTTP version (none for the default).
  void connection(bool keep_alive);
  // Ends the header block; the text is then complete.
  std::string_view finish();

 private:
  std::string& out_;
  unsigned version_;
};

}  // namespace server
