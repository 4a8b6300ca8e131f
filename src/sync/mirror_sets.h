// The cluster objects that point nodes at synced mirrors: ImageDigestMirrorSet and
// ImageTagMirrorSet (config.openshift.io/v1) and, for older clusters,
// ImageContentSourcePolicy (operator.openshift.io/v1alpha1). `regmirror render` and the
// machine-config operator read them.
//
// Layout under the output directory: with one destination the files are written directly
// there; with several, one directory per destination named after it ("host[:port]/prefix"
// with every character other than [A-Za-z0-9._-] replaced by "_"), because each region's
// cluster lists only its own mirror.
//   imagedigestmirrorset.yaml          every synced repository
//   imagetagmirrorset.yaml             repositories synced by tag (absent when none)
//   imagecontentsourcepolicy.yaml      on request, the same entries as the IDMS
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "oci/error.h"

namespace imagesync {

// A synced source repository and its copy at one destination.
struct MirrorPair {
  std::string source;   // "quay.io/app/api"
  std::string mirror;   // "eu.mirror.example.com/mirror/app/api"
  bool by_tag = false;  // some image of it was copied under its tag
};

struct DestinationMirrors {
  std::string destination;  // "eu.mirror.example.com/mirror", names the directory
  std::vector<MirrorPair> pairs;
};

struct MirrorSetOptions {
  std::string name = "regmirror";  // metadata.name of every object
  bool icsp = false;               // also write an ImageContentSourcePolicy
};

// The YAML of one object; entries sorted by source, mirrors in order, duplicates dropped.
std::string image_digest_mirror_set(const std::vector<MirrorPair>& pairs, std::string_view name);
std::string image_tag_mirror_set(const std::vector<MirrorPair>& pairs, std::string_view name);
std::string image_content_source_policy(const std::vector<MirrorPair>& pairs,
                                        std::string_view name);

struct MirrorSetFile {
  std::filesystem::path path;  // relative to the output directory
  std::string content;
};

// "eu.mirror.example.com:5000/mirror" -> "eu.mirror.example.com_5000_mirror"
std::string destination_directory(std::string_view destination);

// The files for the layout above. Fails when two destinations share a directory name.
oci::Result<std::vector<MirrorSetFile>> mirror_set_files(
    const std::vector<DestinationMirrors>& destinations, const MirrorSetOptions& options);

// Writes `files` under `directory` (created when missing), replacing what is there.
oci::Result<void> write_mirror_set_files(const std::filesystem::path& directory,
                                         const std::vector<MirrorSetFile>& files);

}  // namespace imagesync
