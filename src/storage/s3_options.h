// Where and how the S3 driver reaches its bucket (storage.s3.* in the server's config).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "storage/sigv4.h"

namespace storage {

// Exponential backoff with jitter between attempts of one request; the request fails when
// either bound is reached.
struct RetryPolicy {
  int max_attempts = 6;
  std::chrono::milliseconds first_delay{100};
  std::chrono::milliseconds max_delay{5000};
  std::chrono::milliseconds max_total{60000};  // from the first attempt's start
};

struct S3Options {
  // "https://s3.eu-west-1.amazonaws.com", "http://minio.local:9000"; "" = AWS for `region`.
  std::string endpoint;
  std::string bucket;
  std::string region;  // "" = us-east-1
  sigv4::Credentials credentials;
  // Bucket in the path (http://host/bucket/key), as MinIO and most self-hosted stores want;
  // else in the host name (http://bucket.host/key), as AWS prefers.
  bool path_style = false;
  std::string prefix;   // prepended to every key ("registry/"), "" = the bucket's root
  std::string ca_file;  // PEM bundle to trust instead of the system's
  bool insecure_skip_verify = false;  // for tests against self-signed stores only
  std::uint64_t part_size = std::uint64_t{16} << 20;
  // Whether the store implements UploadPartCopy (AWS, MinIO, Ceph do; s3rver does not).
  bool part_copy = true;
  bool redirect = false;  // blob GETs answered with a presigned URL
  RetryPolicy retry;
  std::chrono::milliseconds connect_timeout{10000};
  // A transfer slower than 1 KiB/s for this long is abandoned (and retried).
  std::chrono::seconds stall_timeout{60};
};

inline constexpr std::uint64_t kMinimumPartSize = std::uint64_t{5} << 20;

// Fills what `options` leaves empty from the AWS_* environment variables: credentials from
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (only when neither key is
// set), region from AWS_REGION / AWS_DEFAULT_REGION, endpoint from AWS_ENDPOINT_URL_S3 /
// AWS_ENDPOINT_URL.
void apply_aws_environment(S3Options& options);

}  // namespace storage
