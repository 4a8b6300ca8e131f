#include "transfer/transport_reference.h"

#include <cctype>

#include <fmt/format.h>

namespace transfer {
namespace {

oci::Result<TransportReference> invalid(std::string message) {
  return oci::fail(oci::ErrorCode::kNameInvalid, std::move(message));
}

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// containers/image's oci/internal refRegexp: components of alphanumerics joined by one of
// "-._:@+" or "--", separated by '/'.
bool valid_layout_image_name(std::string_view name) {
  std::size_t i = 0;
  const std::size_t n = name.size();
  while (true) {
    if (i >= n || !is_alnum(name[i])) return false;  // a component starts with alphanumerics
    while (i < n && is_alnum(name[i])) ++i;
    if (i == n) return true;
    const char c = name[i];
    if (c == '/') {
      ++i;
      continue;
    }
    if (std::string_view("-._:@+").find(c) == std::string_view::npos) return false;
    if (c == '-' && i + 2 < n && name[i + 1] == '-' && is_alnum(name[i + 2])) {
      i += 2;
    } else {
      ++i;
    }
    if (i >= n || !is_alnum(name[i])) return false;
  }
}

oci::Result<TransportReference> parse_docker(std::string_view text, std::string_view rest) {
  if (!rest.starts_with("//")) {
    return invalid(fmt::format("docker: image reference {} does not start with //", rest));
  }
  oci::Result<oci::Reference> parsed = oci::Reference::parse_normalized(rest.substr(2));
  if (!parsed) {
    return invalid(fmt::format("Invalid image name \"{}\": {}", text, parsed.error().message));
  }
  if (parsed->has_tag() && parsed->has_digest()) {
    return invalid(fmt::format(
        "Invalid image name \"{}\": Docker references with both a tag and digest are currently "
        "not supported",
        text));
  }
  TransportReference out;
  out.transport = Transport::kDocker;
  out.reference = parsed->has_digest() ? parsed->digest() : parsed->tag();
  out.repository = parsed->name_only();
  return out;
}

// "PATH[:IMAGE]", split at the first ':' as containers/image does on non-Windows systems.
oci::Result<TransportReference> parse_layout(std::string_view text, std::string_view rest,
                                             Transport transport) {
  const std::size_t colon = rest.find(':');
  const std::string_view path = rest.substr(0, colon);
  const std::string_view image =
      colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  if (path.empty()) {
    return invalid(fmt::format("Invalid image name \"{}\": the path is empty", text));
  }
  if (!image.empty() && !valid_layout_image_name(image)) {
    return invalid(fmt::format("Invalid image name \"{}\": Invalid image {}", text, image));
  }
  TransportReference out;
  out.transport = transport;
  out.path = std::filesystem::path(std::string(path));
  out.reference = std::string(image);
  return out;
}

}  // namespace

oci::Result<TransportReference> parse_transport_reference(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return invalid(fmt::format(
        "Invalid image name \"{}\", expected colon-separated transport:reference", text));
  }
  const std::string_view transport = text.substr(0, colon);
  const std::string_view rest = text.substr(colon + 1);
  if (transport == "docker") return parse_docker(text, rest);
  if (transport == "oci") return parse_layout(text, rest, Transport::kOciLayout);
  if (transport == "oci-archive") return parse_layout(text, rest, Transport::kOciArchive);
  return invalid(fmt::format(
      "Invalid image name \"{}\", unknown transport \"{}\" (supported: docker, oci, oci-archive)",
      text, transport));
}

}  // namespace transfer
