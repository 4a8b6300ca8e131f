#include "storage/s3_options.h"

#include <cstdlib>

namespace storage {

namespace {

std::string first_set(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read at start-up
    if (value != nullptr && *value != '\0') return value;
  }
  return "";
}

}  // namespace

void apply_aws_environment(S3Options& options) {
  auto& credentials = options.credentials;
  if (credentials.access_key_id.empty() && credentials.secret_access_key.empty()) {
    credentials.access_key_id = first_set({"AWS_ACCESS_KEY_ID"});
    credentials.secret_access_key = first_set({"AWS_SECRET_ACCESS_KEY"});
    if (credentials.session_token.empty()) {
      credentials.session_token = first_set({"AWS_SESSION_TOKEN"});
    }
  }
  if (options.region.empty()) options.region = first_set({"AWS_REGION", "AWS_DEFAULT_REGION"});
  if (options.endpoint.empty()) {
    options.endpoint = first_set({"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  }
}

}  // namespace storage
