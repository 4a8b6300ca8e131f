// Image names with a transport, as skopeo spells them and containers/image parses them:
// "docker://quay.io/ns/app:1", "oci:/srv/layout:app-1", "oci-archive:/tmp/app.tar".
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "oci/error.h"
#include "oci/reference.h"

namespace transfer {

enum class Transport { kDocker, kOciLayout, kOciArchive };

struct TransportReference {
  Transport transport = Transport::kDocker;
  // docker: the repository, normalized ("busybox" -> docker.io/library/busybox), without
  // tag or digest.
  std::optional<oci::Reference> repository;
  // oci / oci-archive: the directory or archive file.
  std::filesystem::path path;
  // The tag or digest (docker), or the image name in the layout (oci); "" when none.
  std::string reference;
};

// Errors read as containers/image's ("Invalid image name ..., expected colon-separated
// transport:reference", "docker: image reference ... does not start with //", "Docker
// references with both a tag and digest are currently not supported", "Invalid image ...").
oci::Result<TransportReference> parse_transport_reference(std::string_view text);

}  // namespace transfer
