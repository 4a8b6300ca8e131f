// The `storage.s3` section of the server config: an S3-compatible bucket in place of the
// filesystem under storage.root (see docs/config.md).
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>

#include "oci/error.h"
#include "storage/s3_options.h"

namespace server {

// Reads `node` (the value of storage.s3) into `out`: endpoint, bucket, region,
// access_key_id, secret_access_key, session_token, path_style, prefix, ca_file,
// insecure_skip_verify, part_size, redirect. What the file leaves out comes from the AWS_*
// environment variables (storage::apply_aws_environment). Errors name the key.
oci::Result<void> read_s3_config(const YAML::Node& node, std::optional<storage::S3Options>& out);

}  // namespace server
