#include "nodeconf/policy_scope.h"

#include <algorithm>
#include <string>
#include <vector>

#include "nodeconf/policy_json.h"

namespace nodeconf::policy_internal {
namespace {

std::unexpected<oci::Error> invalid(std::string message) {
  return oci::fail(oci::ErrorCode::kInternal, std::move(message));
}

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// go-digest's Parse: sha256, sha384 or sha512 with lowercase hex of the right length.
bool is_go_digest(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view algorithm = text.substr(0, colon);
  const std::string_view hex = text.substr(colon + 1);
  const std::size_t hex_length = algorithm == "sha256"   ? 64
                                 : algorithm == "sha384" ? 96
                                 : algorithm == "sha512" ? 128
                                                         : 0;
  return hex_length != 0 && hex.size() == hex_length && std::ranges::all_of(hex, is_lower_hex);
}

struct ReferenceParts {
  std::string_view name;
  std::string_view tag;
  std::string_view digest;
  bool has_tag = false;
  bool has_digest = false;
};

// Names, tags and digests cannot hold "@", and tags cannot hold "/" or ":", so a reference
// splits only one way. Nothing is validated: the caller gives a normalized reference.
ReferenceParts split_reference(std::string_view text) {
  ReferenceParts parts;
  if (const auto at = text.find('@'); at != std::string_view::npos) {
    parts.has_digest = true;
    parts.digest = text.substr(at + 1);
    text = text.substr(0, at);
  }
  const auto colon = text.rfind(':');
  const auto slash = text.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    parts.has_tag = true;
    parts.tag = text.substr(colon + 1);
    text = text.substr(0, colon);
  }
  parts.name = text;
  return parts;
}

// Go's filepath.Clean for a path that starts with "/".
std::string clean_absolute_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string cleaned;
  for (const auto part : parts) {
    cleaned += '/';
    cleaned += part;
  }
  return cleaned.empty() ? "/" : cleaned;
}

// dir, oci, oci-archive and sif: an absolute, clean directory path (oci may add ":tag").
oci::Result<void> validate_path_scope(std::string_view scope) {
  if (!scope.starts_with('/')) return invalid("must be an absolute path");
  // "/" would shadow the "" default with the same meaning.
  if (scope == "/") return invalid("use the transport default \"\" instead of \"/\"");
  if (const std::string cleaned = clean_absolute_path(scope); cleaned != scope) {
    return invalid("uses non-canonical format, perhaps try " + in_quotes(cleaned));
  }
  return {};
}

bool is_image_id(std::string_view id) { return is_go_digest("sha256:" + std::string(id)); }

// containers-storage: "[driver@graphroot+options]" or "[graphroot]", optionally followed by
// name[:tag], @digest and @imageID.
oci::Result<void> validate_storage_scope(std::string_view scope) {
  const auto close = scope.find(']');
  if (!scope.starts_with('[') || close == std::string_view::npos) {
    return invalid("invalid reference");
  }
  const std::string_view store = scope.substr(1, close - 1);
  const auto at = store.find('@');
  const std::string_view root = at == std::string_view::npos ? store : store.substr(at + 1);
  if (root.empty() || at == 0) {
    return invalid("invalid reference");
  }
  if (!root.starts_with('/')) return invalid("path name is not absolute");

  std::string_view image = scope.substr(close + 1);
  const auto first_at = image.find('@');
  if (first_at == std::string_view::npos) return {};
  image.remove_prefix(first_at + 1);
  const auto second_at = image.find('@');
  if (second_at == std::string_view::npos) {
    if (is_image_id(image) || is_go_digest(image)) return {};
    return invalid(in_quotes(image) + " is neither a valid digest nor a valid image ID");
  }
  if (!is_go_digest(image.substr(0, second_at))) {
    return invalid(in_quotes(image.substr(0, second_at)) + " is not a valid digest");
  }
  if (!is_image_id(image.substr(second_at + 1))) {
    return invalid(in_quotes(image.substr(second_at + 1)) + " is not a valid image ID");
  }
  return {};
}

}  // namespace

oci::Result<void> validate_scope(std::string_view transport, std::string_view scope) {
  if (transport == "dir" || transport == "oci" || transport == "oci-archive" ||
      transport == "sif") {
    return validate_path_scope(scope);
  }
  if (transport == "docker-archive" || transport == "tarball") {
    return invalid("this transport supports no scope but the default \"\"");
  }
  if (transport == "docker-daemon" && is_go_digest(scope)) {
    return invalid("an image ID (algorithm:digest) cannot be a namespace");
  }
  if (transport == "containers-storage") return validate_storage_scope(scope);
  return {};
}

std::vector<std::string> docker_scopes_for(std::string_view normalized_reference) {
  const ReferenceParts parts = split_reference(normalized_reference);
  std::vector<std::string> scopes;
  if (parts.has_digest) {
    scopes.push_back(std::string(parts.name) + "@" + std::string(parts.digest));
  } else {
    scopes.push_back(std::string(parts.name) + ":" +
                     std::string(parts.has_tag ? parts.tag : "latest"));
  }
  std::string_view name = parts.name;
  for (;;) {
    scopes.emplace_back(name);
    const auto slash = name.rfind('/');
    if (slash == std::string_view::npos) break;
    name = name.substr(0, slash);
  }
  // Wildcards are built from the host without its port.
  std::string_view domain = name.substr(0, name.find(':'));
  for (auto dot = domain.find('.'); dot != std::string_view::npos; dot = domain.find('.')) {
    domain.remove_prefix(dot + 1);
    scopes.push_back("*." + std::string(domain));
  }
  return scopes;
}

}  // namespace nodeconf::policy_internal
