#include "transfer/referrers_tag.h"

#include <nlohmann/json.hpp>

#include <string>

#include "oci/json_depth.h"
#include "oci/media_type.h"
#include "transfer/inflight_blobs.h"

namespace transfer {

oci::Result<void> add_to_referrers_tag(client::RegistryClient& client, std::string_view repository,
                                       const oci::Digest& subject,
                                       const oci::Descriptor& referrer) {
  const std::string tag = std::string(subject.algorithm_name()).append("-").append(subject.hex());
  // Read, add, write back: concurrent copies (sync copies the images of one repository at
  // once, and tags sharing a digest share referrers) take turns, or one's entry is lost.
  const auto turn = InflightBlobs::instance().claim(std::string("referrers tag ")
                                                        .append(client.options().host)
                                                        .append("/")
                                                        .append(repository)
                                                        .append(":")
                                                        .append(tag));
  nlohmann::json index = {{"schemaVersion", 2},
                          {"mediaType", oci::media_type::kOciIndex},
                          {"manifests", nlohmann::json::array()}};
  auto current = client.get_manifest(repository, tag);
  if (current) {
    // Walked and dumped again below: a hostile depth must not reach that recursion.
    if (!oci::json_nests_deeper_than(current->body)) {
      index = nlohmann::json::parse(current->body, nullptr, /*allow_exceptions=*/false);
    } else {
      index = nullptr;
    }
    if (!index.is_object() || !index.contains("manifests") || !index["manifests"].is_array()) {
      return oci::fail(oci::ErrorCode::kManifestInvalid,
                       "the referrers tag " + tag + " is not an image index");
    }
  } else if (current.error().code != oci::ErrorCode::kManifestUnknown &&
             current.error().code != oci::ErrorCode::kNotFound) {
    return std::unexpected(current.error());
  }
  for (const nlohmann::json& entry : index["manifests"]) {
    if (entry.value("digest", "") == referrer.digest.str()) return {};
  }
  index["manifests"].push_back(referrer.to_json());
  const std::string body = index.dump();
  auto stored = client.put_manifest(repository, tag, body, oci::media_type::kOciIndex);
  if (!stored) return std::unexpected(stored.error());
  return {};
}

}  // namespace transfer
