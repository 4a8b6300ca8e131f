// The index.json of an OCI image layout (image-spec image-layout.md): the manifests the layout
// names. A manifest is tagged by its "org.opencontainers.image.ref.name" annotation, which is
// what skopeo's oci:DIR:NAME addresses; NAME may be a plain tag or a full reference
// ("quay.io/ns/app:v1"). Fields this code does not know are kept as they were.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "oci/error.h"
#include "oci/manifest.h"

namespace transfer {

inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";

class LayoutIndex {
 public:
  // An index with no manifests.
  LayoutIndex();
  static oci::Result<LayoutIndex> parse(std::string_view text);
  std::string serialize() const;

  // Every entry, in order; each with a valid digest and size.
  const std::vector<oci::Descriptor>& entries() const { return entries_; }
  // The entry named `name`, if any.
  std::optional<oci::Descriptor> find(std::string_view name) const;
  // The ref.name of every named entry, in order.
  std::vector<std::string> names() const;
  bool lists(const oci::Digest& digest) const;

  // Names `manifest` `name`; another entry that had the name loses it (and is dropped when it
  // carried nothing else, as skopeo does).
  void set_name(const oci::Descriptor& manifest, std::string_view name);
  // Lists `manifest` without a name unless it is listed already; false when it was.
  bool add_unnamed(const oci::Descriptor& manifest);

 private:
  nlohmann::json document_;  // everything but "manifests"
  std::vector<oci::Descriptor> entries_;
  std::vector<nlohmann::json> extra_;  // per entry: members other than the descriptor's own
};

// The entry's ref.name, "" when it has none.
std::string ref_name(const oci::Descriptor& entry);

}  // namespace transfer
