#include "server/response_head.h"

#include <charconv>

namespace server {

ResponseHead::ResponseHead(std::string& out, unsigned version, http::status status)
    : out_(out), version_(version) {
  out_.assign(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  char code[8];
  auto [end, ec] = std::to_chars(code, code + sizeof code, static_cast<unsigned>(status));
  out_.append(code, end).append(" ").append(http::obsolete_reason(status)).append("\r\n");
  add("Docker-Distribution-API-Version", "registry/2.0");
}

void ResponseHead::add(std::string_view name, std::string_view value) {
  out_.append(name).append(": ").append(value).append("\r\n");
}

void ResponseHead::add_quoted(std::string_view name, std::string_view value) {
  out_.append(name).append(": \"").append(value).append("\"\r\n");
}

void ResponseHead::add(const Fields& fields) {
  for (const auto& field : fields) add(field.name_string(), field.value());
}

void ResponseHead::content_length(std::uint64_t length) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, length);
  add("Content-Length", std::string_view(digits, end));
}

void ResponseHead::connection(bool keep_alive) {
  if (version_ == 10 && keep_alive) add("Connection", "keep-alive");
  if (version_ != 10 && !keep_alive) add("Connection", "close");
}

std::string_view ResponseHead::finish() {
  out_.append("\r\n");
  return out_;
}

}  // namespace server
