#include "mirror/upstream.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "oci/name.h"

namespace mirror {
namespace {

// RFC 1035's limits; the host becomes part of a URL, a log line and a token realm check.
constexpr std::size_t kMaxHostLength = 253;
constexpr std::size_t kMaxLabelLength = 63;
// oci::is_valid_repository_name's limit.
constexpr std::size_t kMaxRepositoryLength = 255;

// User input as it may appear in an error message: control and non-ASCII bytes replaced,
// cut to a length a log line can carry.
std::string printable(std::string_view text) {
  constexpr std::size_t kMax = 80;
  std::string out;
  for (char c : text.substr(0, kMax)) {
    const auto byte = static_cast<unsigned char>(c);
    out += byte >= 0x20 && byte < 0x7f ? c : '?';
  }
  if (text.size() > kMax) out += "...";
  return out;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool is_dns_name(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostLength) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (label == 0 || label > kMaxLabelLength) return false;
      if (host[i - 1] == '-' || host[i - label] == '-') return false;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(host[i])) != 0 || host[i] == '-') {
      ++label;
    } else {
      return false;
    }
  }
  return true;
}

// "[...]" holding hex digits, ':' and '.' (an IPv4 tail); the resolver checks the rest.
bool is_ipv6_literal(std::string_view host) {
  if (host.size() < 4 || host.size() > 47 || host.front() != '[' || host.back() != ']') {
    return false;
  }
  return std::ranges::all_of(host.substr(1, host.size() - 2), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
  });
}

std::optional<unsigned> parse_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return std::nullopt;
  unsigned value = 0;
  const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (error != std::errc{} || end != port.data() + port.size() || value < 1 || value > 65535) {
    return std::nullopt;
  }
  return value;
}

oci::Result<std::string> url_error(std::string_view text, std::string_view why) {
  return oci::fail(oci::ErrorCode::kUnsupported,
                   fmt::format("upstream URL \"{}\": {}", printable(text), why));
}

// `repository` lies under `prefix`: equal to it, or `prefix/...`. Empty prefix: always.
bool lies_under(std::string_view repository, std::string_view prefix) {
  if (prefix.empty()) return true;
  if (!repository.starts_with(prefix)) return false;
  return repository.size() == prefix.size() || repository[prefix.size()] == '/';
}

bool matches_any(const std::vector<auth::RepositoryPattern>& patterns,
                 std::string_view repository) {
  return std::ranges::any_of(patterns, [&](const auth::RepositoryPattern& pattern) {
    return pattern.matches(repository);
  });
}

}  // namespace

oci::Result<std::string> parse_upstream_url(std::string_view text) {
  const std::size_t separator = text.find("://");
  if (separator == std::string_view::npos) {
    return url_error(text, "no scheme: expected http://HOST[:PORT] or https://HOST[:PORT]");
  }
  const std::string scheme = lowercase(text.substr(0, separator));
  if (scheme != "http" && scheme != "https") {
    return url_error(text, "the scheme must be http or https");
  }
  std::string_view authority = text.substr(separator + 3);
  if (authority.ends_with('/')) authority.remove_suffix(1);
  if (authority.find('@') != std::string_view::npos) {
    return url_error(text, "credentials do not belong in the URL");
  }
  if (authority.find_first_of("/?#") != std::string_view::npos) {
    return url_error(text, "a registry URL has no path, query or fragment");
  }
  std::string_view host = authority;
  std::optional<unsigned> port;
  // An IPv6 literal holds colons of its own: the port's colon is the first one after ']'.
  const std::size_t host_end = authority.starts_with('[') ? authority.find(']') : 0;
  const std::size_t port_colon =
      host_end == std::string_view::npos ? host_end : authority.find(':', host_end);
  if (port_colon != std::string_view::npos) {
    host = authority.substr(0, port_colon);
    port = parse_port(authority.substr(port_colon + 1));
    if (!port) return url_error(text, "the port must be a number from 1 to 65535");
  }
  if (host.empty()) return url_error(text, "no host");
  if (!is_dns_name(host) && !is_ipv6_literal(host)) {
    return url_error(text, "the host is not a DNS name or a bracketed IPv6 address");
  }
  std::string url = scheme + "://" + lowercase(host);
  if (port) url += fmt::format(":{}", *port);
  return url;
}

oci::Result<void> check_upstream_prefix(std::string_view prefix) {
  // The prefix plus "/" plus a one-character name must still be a valid repository name.
  if (prefix.empty() || prefix.size() > kMaxRepositoryLength - 2 ||
      !oci::is_valid_repository_name(prefix)) {
    return oci::fail(oci::ErrorCode::kNameInvalid,
                     fmt::format("upstream prefix \"{}\" is not a repository name prefix "
                                 "(lowercase letters, digits, '.', '_', '-', '/')",
                                 printable(prefix)));
  }
  return {};
}

bool TagRules::allows(const std::string& tag) const {
  const auto matches = [&](const std::regex& rule) { return std::regex_match(tag, rule); };
  if (std::ranges::any_of(exclude, matches)) return false;
  return include.empty() || std::ranges::any_of(include, matches);
}

std::string Upstream::host() const { return url.substr(url.find("://") + 3); }

oci::Result<Upstream> parse_upstream_flag(std::string_view value) {
  Upstream upstream;
  std::string_view url = value;
  if (const std::size_t equals = value.find('='); equals != std::string_view::npos) {
    const std::string_view prefix = value.substr(0, equals);
    if (prefix.empty()) {
      return oci::fail(oci::ErrorCode::kNameInvalid,
                       fmt::format("--upstream \"{}\": empty prefix before '='; leave out "
                                   "\"PREFIX=\" for a whole-registry upstream",
                                   printable(value)));
    }
    if (auto checked = check_upstream_prefix(prefix); !checked) {
      return std::unexpected(std::move(checked.error()));
    }
    upstream.prefix = prefix;
    url = value.substr(equals + 1);
  }
  auto parsed = parse_upstream_url(url);
  if (!parsed) return std::unexpected(std::move(parsed.error()));
  upstream.url = std::move(*parsed);
  return upstream;
}

oci::Result<UpstreamTable> UpstreamTable::create(std::vector<Upstream> upstreams) {
  for (const Upstream& upstream : upstreams) {
    if (upstream.prefix.empty()) continue;
    if (auto checked = check_upstream_prefix(upstream.prefix); !checked) {
      return std::unexpected(std::move(checked.error()));
    }
  }
  // Longest first, so that the first upstream a repository lies under is the one to use;
  // equal prefixes end up side by side.
  std::ranges::sort(upstreams, [](const Upstream& a, const Upstream& b) {
    if (a.prefix.size() != b.prefix.size()) return a.prefix.size() > b.prefix.size();
    return a.prefix < b.prefix;
  });
  const auto same_prefix = [](const Upstream& a, const Upstream& b) {
    return a.prefix == b.prefix;
  };
  if (auto twin = std::ranges::adjacent_find(upstreams, same_prefix); twin != upstreams.end()) {
    const Upstream& other = *std::next(twin);
    return oci::fail(
        oci::ErrorCode::kUnsupported,
        twin->prefix.empty()
            ? fmt::format("more than one whole-registry upstream ({} and {})", twin->url, other.url)
            : fmt::format("two upstreams share the prefix \"{}\" ({} and {})", twin->prefix,
                          twin->url, other.url));
  }
  UpstreamTable table;
  table.upstreams_ = std::move(upstreams);
  return table;
}

std::optional<UpstreamMatch> UpstreamTable::match(std::string_view repository) const {
  for (const Upstream& upstream : upstreams_) {
    if (!lies_under(repository, upstream.prefix)) continue;
    UpstreamMatch found{&upstream, "", Coverage::kNotServed};
    if (repository.size() == upstream.prefix.size()) return found;  // the bare prefix
    found.remote_repository =
        repository.substr(upstream.prefix.empty() ? 0 : upstream.prefix.size() + 1);
    // The server checks names before it routes them; this keeps a malformed one
    // ("quay.io/", "quay.io/../x") from ever reaching an upstream URL.
    if (!oci::is_valid_repository_name(found.remote_repository)) return found;
    const bool included =
        upstream.include.empty() || matches_any(upstream.include, found.remote_repository);
    if (included && !matches_any(upstream.exclude, found.remote_repository)) {
      found.coverage = Coverage::kServed;
    }
    return found;
  }
  return std::nullopt;
}

std::vector<std::string> UpstreamTable::prefixes_within(const Upstream& upstream) const {
  std::vector<std::string> within;
  for (const Upstream& other : upstreams_) {
    if (&other == &upstream || other.prefix.empty()) continue;
    if (upstream.prefix.empty() || other.prefix.starts_with(upstream.prefix + "/")) {
      within.push_back(other.prefix);
    }
  }
  return within;
}

}  // namespace mirror
