// The `mirror:` section of the server config (pull-through mode) and its YAML readers.
// `regmirror serve --upstream` adds upstreams to the ones the file lists.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "mirror/upstream.h"
#include "oci/error.h"

namespace server {

struct MirrorConfig {
  std::vector<mirror::Upstream> upstreams;
  // A registries.conf through which upstreams are reached (their own mirrors first).
  std::filesystem::path registries_conf;
  std::size_t blob_workers = 16;  // blob fetches from upstreams at once
  // How long a replica's claim to fetch a blob outlives its last sign of progress: the others
  // wait that long for a replica that died mid-fetch before they fetch the blob themselves.
  std::chrono::milliseconds fetch_lease{30'000};

  bool enabled() const { return !upstreams.empty(); }
};

// A list of upstream entries: prefix, url, tag_ttl, include, exclude, tags.include,
// tags.exclude, allow_push, credentials.username/password, auth_file, tls.ca/certs_dir/insecure.
oci::Result<void> read_upstreams(const YAML::Node& node, const std::string& key,
                                 std::vector<mirror::Upstream>& out);

}  // namespace server
