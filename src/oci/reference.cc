#include "oci/reference.h"

#include <algorithm>
#include <cstddef>
#include <optional>

#include "oci/utf8.h"

namespace oci {
namespace {

constexpr std::size_t kNameTotalLengthMax = 255;
constexpr std::size_t kTagLengthMax = 128;
constexpr std::string_view kDefaultDomain = "docker.io";
constexpr std::string_view kLegacyDefaultDomain = "index.docker.io";
constexpr std::string_view kOfficialRepoName = "library";
constexpr std::string_view kDefaultTag = "latest";

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool is_word(char c) { return is_alnum(c) || c == '_'; }
bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool is_domain_component(std::string_view text) {
  if (text.empty() || !is_alnum(text.front()) || !is_alnum(text.back())) return false;
  return std::ranges::all_of(text, [](char c) { return is_alnum(c) || c == '-'; });
}

// [a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*
bool is_path_component(std::string_view text) {
  if (text.empty() || !is_lower_alnum(text.front()) || !is_lower_alnum(text.back())) return false;
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_lower_alnum(text[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (!is_lower_alnum(text[end])) ++end;  // the last character is alphanumeric
    const std::string_view separator = text.substr(i, end - i);
    const bool dashes = std::ranges::all_of(separator, [](char c) { return c == '-'; });
    if (separator != "." && separator != "_" && separator != "__" && !dashes) return false;
    i = end;
  }
  return true;
}

bool is_path(std::string_view text) {
  while (true) {
    const std::size_t slash = text.find('/');
    if (!is_path_component(text.substr(0, slash))) return false;
    if (slash == std::string_view::npos) return true;
    text.remove_prefix(slash + 1);
  }
}

// [\w][\w.-]{0,127}
bool is_tag(std::string_view text) {
  if (text.empty() || text.size() > kTagLengthMax || !is_word(text.front())) return false;
  return std::ranges::all_of(text, [](char c) { return is_word(c) || c == '.' || c == '-'; });
}

// [A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}
bool is_reference_digest(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view algorithm = text.substr(0, colon);
  const std::string_view encoded = text.substr(colon + 1);
  if (encoded.size() < 32 || !std::ranges::all_of(encoded, is_hex)) return false;
  bool component_start = true;
  for (char c : algorithm) {
    if (component_start) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
      component_start = false;
    } else if (c == '-' || c == '_' || c == '+' || c == '.') {
      component_start = true;
    } else if (!is_alnum(c)) {
      return false;
    }
  }
  return !component_start;
}

// go-digest's DigestRegexpAnchored: [a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+
bool is_go_digest_shape(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) return false;
  const std::string_view algorithm = text.substr(0, colon);
  const std::string_view encoded = text.substr(colon + 1);
  const bool encoded_ok = std::ranges::all_of(
      encoded, [](char c) { return is_alnum(c) || c == '=' || c == '_' || c == '-'; });
  if (!encoded_ok || algorithm.empty()) return false;
  bool component_start = true;
  for (char c : algorithm) {
    if (is_lower_alnum(c)) {
      component_start = false;
    } else if (!component_start && (c == '.' || c == '+' || c == '_' || c == '-')) {
      component_start = true;
    } else {
      return false;
    }
  }
  return !component_start;
}

// go-digest's Digest.Validate, with its error texts.
std::optional<std::string> digest_error(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return "invalid checksum digest format";
  }
  const std::string_view algorithm = text.substr(0, colon);
  const std::string_view encoded = text.substr(colon + 1);
  std::size_t hex_length = 0;
  if (algorithm == "sha256") {
    hex_length = 64;
  } else if (algorithm == "sha384") {
    hex_length = 96;
  } else if (algorithm == "sha512") {
    hex_length = 128;
  } else {
    return is_go_digest_shape(text) ? "unsupported digest algorithm"
                                    : "invalid checksum digest format";
  }
  if (encoded.size() != hex_length) return "invalid checksum digest length";
  if (!std::ranges::all_of(encoded, is_lower_hex)) return "invalid checksum digest format";
  return std::nullopt;
}

struct Parts {
  std::string_view domain;
  std::string_view path;
  std::string_view tag;
  std::string_view digest;
};

// ReferenceRegexp, anchored: [domain/]path[:tag][@digest]. The first segment is the domain
// when it is spelled like one and a '/' follows, which is the choice the regexp's greedy
// optional group makes; otherwise it belongs to the path.
std::optional<Parts> match_reference(std::string_view text) {
  Parts parts;
  std::string_view rest = text;
  if (const std::size_t slash = text.find('/');
      slash != std::string_view::npos && is_valid_reference_domain(text.substr(0, slash))) {
    parts.domain = text.substr(0, slash);
    rest = text.substr(slash + 1);
  }
  const std::size_t path_end = std::min(rest.find_first_of(":@"), rest.size());
  parts.path = rest.substr(0, path_end);
  if (!is_path(parts.path)) return std::nullopt;
  rest.remove_prefix(path_end);
  if (rest.starts_with(':')) {
    const std::size_t tag_end = std::min(rest.find('@'), rest.size());
    parts.tag = rest.substr(1, tag_end - 1);
    if (!is_tag(parts.tag)) return std::nullopt;
    rest.remove_prefix(tag_end);
  }
  if (rest.starts_with('@')) {
    parts.digest = rest.substr(1);
    if (!is_reference_digest(parts.digest)) return std::nullopt;
    rest = {};
  }
  if (!rest.empty()) return std::nullopt;
  return parts;
}

std::string ascii_lower(std::string_view text) {
  std::string lowered(text);
  for (char& c : lowered) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lowered;
}

// Go's strings.ToLower(s) == s, except that non-ASCII letters are taken as lowercase: Go
// would also flag e.g. "É", which then fails as "invalid reference format" instead.
// Invalid UTF-8 is flagged as Go does (ToLower turns it into U+FFFD).
bool is_lowercase_as_go_sees_it(std::string_view text) {
  return std::ranges::none_of(text, [](char c) { return c >= 'A' && c <= 'Z'; }) &&
         is_valid_utf8(text);
}

bool is_full_identifier(std::string_view text) {
  return text.size() == 64 && std::ranges::all_of(text, is_lower_hex);
}

std::unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::kNameInvalid, std::move(message));
}

}  // namespace

bool is_valid_reference_domain(std::string_view text) {
  std::string_view host = text;
  if (const std::size_t colon = text.find(':'); colon != std::string_view::npos) {
    const std::string_view port = text.substr(colon + 1);
    if (port.empty() || !std::ranges::all_of(port, is_digit)) return false;
    host = text.substr(0, colon);
  }
  while (true) {
    const std::size_t dot = host.find('.');
    if (!is_domain_component(host.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    host.remove_prefix(dot + 1);
  }
}

Result<Reference> Reference::parse(std::string_view text) {
  const std::optional<Parts> parts = match_reference(text);
  if (!parts) {
    if (text.empty()) return invalid("repository name must have at least one component");
    if (match_reference(ascii_lower(text))) return invalid("repository name must be lowercase");
    return invalid("invalid reference format");
  }
  const std::size_t name_length =
      parts->domain.empty() ? parts->path.size() : parts->domain.size() + 1 + parts->path.size();
  if (name_length > kNameTotalLengthMax) {
    return invalid("repository name must not be more than 255 characters");
  }
  if (!parts->digest.empty()) {
    if (auto error = digest_error(parts->digest)) {
      return fail(ErrorCode::kDigestInvalid, std::move(*error));
    }
  }
  return Reference(std::string(parts->domain), std::string(parts->path), std::string(parts->tag),
                   std::string(parts->digest));
}

Result<Reference> Reference::parse_normalized(std::string_view text) {
  if (is_full_identifier(text)) {
    return invalid("invalid repository name (" + std::string(text) +
                   "), cannot specify 64-byte hexadecimal strings");
  }
  // splitDockerDomain
  std::string domain(kDefaultDomain);
  std::string remainder(text);
  if (const std::size_t slash = text.find('/'); slash != std::string_view::npos) {
    const std::string_view first = text.substr(0, slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost") {
      domain = first;
      remainder = text.substr(slash + 1);
    }
  }
  if (domain == kLegacyDefaultDomain) domain = kDefaultDomain;
  if (domain == kDefaultDomain && remainder.find('/') == std::string::npos) {
    remainder = std::string(kOfficialRepoName) + "/" + remainder;
  }
  const std::string_view remote_name = std::string_view(remainder).substr(0, remainder.find(':'));
  if (!is_lowercase_as_go_sees_it(remote_name)) {
    return invalid("invalid reference format: repository name must be lowercase");
  }
  return parse(domain + "/" + remainder);
}

Result<Reference> Reference::parse_canonical(std::string_view text) {
  auto parsed = parse_normalized(text);
  if (parsed && parsed->str() != text) return invalid("repository name must be canonical");
  return parsed;
}

std::string Reference::name() const { return domain_.empty() ? path_ : domain_ + "/" + path_; }

std::string Reference::str() const {
  std::string text = name();
  if (has_tag()) text += ":" + tag_;
  if (has_digest()) text += "@" + digest_;
  return text;
}

std::string Reference::familiar_name() const {
  if (domain_ != kDefaultDomain) return name();
  const std::string official_prefix = std::string(kOfficialRepoName) + "/";
  const bool official = path_.starts_with(official_prefix) &&
                        path_.find('/', official_prefix.size()) == std::string::npos;
  return official ? path_.substr(official_prefix.size()) : path_;
}

std::string Reference::familiar_str() const {
  std::string text = familiar_name();
  if (has_tag()) text += ":" + tag_;
  if (has_digest()) text += "@" + digest_;
  return text;
}

Reference Reference::with_default_tag() const {
  if (!is_name_only()) return *this;
  return Reference(domain_, path_, std::string(kDefaultTag), {});
}

Reference Reference::name_only() const { return Reference(domain_, path_, {}, {}); }

Result<Reference> Reference::with_tag(std::string_view tag) const {
  if (!is_tag(tag)) return invalid("invalid tag format");
  return Reference(domain_, path_, std::string(tag), digest_);
}

Result<Reference> Reference::with_digest(std::string_view digest) const {
  if (!is_reference_digest(digest)) return fail(ErrorCode::kDigestInvalid, "invalid digest format");
  return Reference(domain_, path_, tag_, std::string(digest));
}

}  // namespace oci
