#include "auth/authorization_header.h"

#include <algorithm>

#include "oci/base64.h"

namespace auth {
namespace {

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The credentials after `scheme` and one or more spaces; nullopt when the scheme differs.
std::optional<std::string_view> credentials_of(std::string_view header, std::string_view scheme) {
  if (header.size() > kMaxAuthorizationLength || header.size() <= scheme.size()) {
    return std::nullopt;
  }
  if (!std::ranges::equal(header.substr(0, scheme.size()), scheme,
                          [](char a, char b) { return lower(a) == lower(b); }) ||
      header[scheme.size()] != ' ') {
    return std::nullopt;
  }
  header.remove_prefix(scheme.size());
  header.remove_prefix(std::min(header.find_first_not_of(' '), header.size()));
  while (header.ends_with(' ')) header.remove_suffix(1);
  return header;
}

bool is_token68(std::string_view token) {
  const std::size_t body = token.find_last_not_of('=');
  if (body == std::string_view::npos) return false;
  return std::ranges::all_of(token.substr(0, body + 1), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
  });
}

void append_parameter(std::string& out, std::string_view name, std::string_view value) {
  if (out.size() > std::string_view("Bearer ").size()) out += ',';
  out.append(name).append("=\"");
  for (char c : value) {
    if (is_control(c)) continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

std::optional<BasicCredentials> parse_basic_authorization(std::string_view header) {
  const std::optional<std::string_view> encoded = credentials_of(header, "basic");
  if (!encoded) return std::nullopt;
  const std::optional<std::string> decoded = oci::base64_decode(*encoded);
  if (!decoded || std::ranges::any_of(*decoded, is_control)) return std::nullopt;
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

std::optional<std::string> parse_bearer_authorization(std::string_view header) {
  const std::optional<std::string_view> token = credentials_of(header, "bearer");
  if (!token || !is_token68(*token)) return std::nullopt;
  return std::string(*token);
}

std::string format_bearer_challenge(const BearerChallenge& challenge) {
  std::string out = "Bearer ";
  append_parameter(out, "realm", challenge.realm);
  append_parameter(out, "service", challenge.service);
  if (!challenge.scope.empty()) append_parameter(out, "scope", challenge.scope);
  if (!challenge.error.empty()) append_parameter(out, "error", challenge.error);
  return out;
}

}  // namespace auth
