#include "client/url.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "oci/percent_encoding.h"

namespace client {
namespace {

struct UrlParts {
  std::string_view scheme;     // without "://"
  std::string_view authority;  // host[:port]
  std::string_view path;       // from the first '/' up to '?' or '#'
  std::string_view query;      // with the leading '?', without the fragment
};

UrlParts split(std::string_view url) {
  UrlParts parts;
  if (const auto colon = url.find("://"); colon != std::string_view::npos) {
    parts.scheme = url.substr(0, colon);
    url.remove_prefix(colon + 3);
    const auto end = url.find_first_of("/?#");
    parts.authority = url.substr(0, end);
    url.remove_prefix(end == std::string_view::npos ? url.size() : end);
  }
  url = url.substr(0, url.find('#'));
  const auto q = url.find('?');
  parts.path = url.substr(0, q);
  if (q != std::string_view::npos) parts.query = url.substr(q);
  return parts;
}

// RFC 3986 section 5.2.4.
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;  // path starts with '/'
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    const auto segment = path.substr(start, end - start);
    const bool last = end == path.size();
    if (segment == "..") {
      if (!out.empty()) out.pop_back();
      if (last) out.emplace_back();
    } else if (segment == ".") {
      if (last) out.emplace_back();
    } else {
      out.push_back(segment);
    }
    start = end + 1;
  }
  std::string result;
  for (const auto segment : out) result.append("/").append(segment);
  return result.empty() ? "/" : result;
}

bool has_scheme(std::string_view reference) {
  const auto colon = reference.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  return std::all_of(reference.begin(), reference.begin() + colon,
                     [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' ||
                              c == '.';
                     }) &&
         std::isalpha(static_cast<unsigned char>(reference[0]));
}

}  // namespace

std::string resolve_url(std::string_view base, std::string_view reference) {
  if (has_scheme(reference)) return std::string(reference);
  const UrlParts b = split(base);
  std::string origin = std::string(b.scheme).append("://").append(b.authority);
  if (reference.starts_with("//")) return std::string(b.scheme).append(":").append(reference);
  if (reference.empty()) return origin.append(b.path).append(b.query);
  if (reference.front() == '?') return origin.append(b.path).append(reference);
  const UrlParts r = split(reference);
  std::string path;
  if (reference.front() == '/') {
    path = std::string(r.path);
  } else {
    const std::string_view base_path = b.path.empty() ? "/" : b.path;
    path = std::string(base_path.substr(0, base_path.rfind('/') + 1)).append(r.path);
  }
  return origin.append(remove_dot_segments(path)).append(r.query);
}

std::string url_origin(std::string_view url) {
  const UrlParts parts = split(url);
  if (parts.scheme.empty()) return {};
  std::string origin = std::string(parts.scheme).append("://").append(parts.authority);
  std::ranges::transform(origin, origin.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return origin;
}

std::string add_query(std::string_view url, std::string_view name, std::string_view value) {
  const auto fragment = url.find('#');
  std::string result(url.substr(0, fragment));
  const auto q = result.find('?');
  if (q == std::string::npos) {
    result.push_back('?');
  } else if (q + 1 != result.size() && result.back() != '&') {
    result.push_back('&');
  }
  return result.append(oci::percent_encode(name)).append("=").append(oci::percent_encode(value));
}

std::optional<std::string> query_param(std::string_view url, std::string_view name) {
  std::string_view query = split(url).query;
  if (query.empty()) return std::nullopt;
  query.remove_prefix(1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (oci::percent_decode(pair.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? std::string()
                                          : oci::percent_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace client
