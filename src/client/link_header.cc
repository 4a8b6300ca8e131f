#include "client/link_header.h"

#include <cctype>

namespace client {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// rel is a space-separated list of relation types, quoted or (one) unquoted.
bool rel_has_next(std::string_view value) {
  value = trim(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  while (!value.empty()) {
    const auto space = value.find(' ');
    if (iequals(value.substr(0, space), "next")) return true;
    if (space == std::string_view::npos) break;
    value.remove_prefix(space + 1);
  }
  return false;
}

}  // namespace

std::optional<std::string> next_link(std::string_view header) {
  while (true) {
    const auto open = header.find('<');
    if (open == std::string_view::npos) return std::nullopt;
    const auto close = header.find('>', open);
    if (close == std::string_view::npos) return std::nullopt;
    const auto target = header.substr(open + 1, close - open - 1);
    header.remove_prefix(close + 1);
    // The parameters run up to the next link; quoted values may hold ',' or ';'.
    std::size_t end = 0;
    bool quoted = false;
    for (; end < header.size(); ++end) {
      if (header[end] == '"') quoted = !quoted;
      if (!quoted && (header[end] == ',' || header[end] == '<')) break;
    }
    std::string_view params = header.substr(0, end);
    header.remove_prefix(end);
    while (!params.empty()) {
      std::size_t semi = 0;
      quoted = false;
      for (; semi < params.size(); ++semi) {
        if (params[semi] == '"') quoted = !quoted;
        if (!quoted && params[semi] == ';') break;
      }
      const auto param = trim(params.substr(0, semi));
      params.remove_prefix(semi == params.size() ? semi : semi + 1);
      const auto eq = param.find('=');
      if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "rel") &&
          rel_has_next(param.substr(eq + 1))) {
        return std::string(target);
      }
    }
  }
}

}  // namespace client
