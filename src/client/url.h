// URL pieces the client needs: resolving a Location against the request URL, query
// parameters (percent-encoded with oci/percent_encoding.h). Pure string work on the absolute
// http(s) URLs registries use.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace client {

// Resolves `reference` (a Location header) against `base`, the absolute URL of the request
// that returned it (RFC 3986 section 5.2): absolute URLs stay, "//host/p" takes the base's
// scheme, "/p" the base's origin, "?q" the base's path, and "p" or "../p" merge with the
// base's directory.
std::string resolve_url(std::string_view base, std::string_view reference);

// "scheme://authority" of an absolute URL, lowercased; empty when `url` has no scheme.
std::string url_origin(std::string_view url);

// `url` with "name=value" appended to its query ('?' or '&' as needed), value encoded.
std::string add_query(std::string_view url, std::string_view name, std::string_view value);

// The decoded value of query parameter `name` in `url`; nullopt when it is absent.
std::optional<std::string> query_param(std::string_view url, std::string_view name);

}  // namespace client
