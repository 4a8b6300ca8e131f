#include "server/storage_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace server {
namespace {

// The AWS_* variables read_s3_config falls back to, cleared for each test and restored.
class S3Config : public testing::Test {
 protected:
  static constexpr const char* kVariables[] = {
      "AWS_ACCESS_KEY_ID",  "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
      "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_S3",   "AWS_ENDPOINT_URL"};

  void SetUp() override {
    for (const char* name : kVariables) {
      const char* value = std::getenv(name);
      if (value != nullptr) saved_.emplace_back(name, value);
      ::unsetenv(name);
    }
  }
  void TearDown() override {
    for (const char* name : kVariables) ::unsetenv(name);
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }

  static oci::Result<storage::S3Options> read(const std::string& yaml) {
    std::optional<storage::S3Options> options;
    if (auto ok = read_s3_config(YAML::Load(yaml), options); !ok)
      return std::unexpected(ok.error());
    return *options;
  }

  static std::string error_of(const std::string& yaml) {
    auto options = read(yaml);
    return options ? "" : options.error().message;
  }

 private:
  std::vector<std::pair<std::string, std::string>> saved_;
};

TEST_F(S3Config, ReadsEveryKey) {
  auto options = read(R"(
endpoint: http://127.0.0.1:9000
bucket: images
region: eu-west-1
access_key_id: AK
secret_access_key: SK
session_token: TOKEN
path_style: true
prefix: registry/one
ca_file: /etc/hostname
insecure_skip_verify: true
part_size: 32MiB
redirect: true
)");
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(options->bucket, "images");
  EXPECT_EQ(options->region, "eu-west-1");
  EXPECT_EQ(options->credentials.access_key_id, "AK");
  EXPECT_EQ(options->credentials.secret_access_key, "SK");
  EXPECT_EQ(options->credentials.session_token, "TOKEN");
  EXPECT_TRUE(options->path_style);
  EXPECT_EQ(options->prefix, "registry/one");
  EXPECT_EQ(options->ca_file, "/etc/hostname");
  EXPECT_TRUE(options->insecure_skip_verify);
  EXPECT_EQ(options->part_size, 32u << 20);
  EXPECT_TRUE(options->redirect);
}

TEST_F(S3Config, Defaults) {
  auto options = read("bucket: images");
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->endpoint, "");  // AWS for the region, chosen by the driver
  EXPECT_FALSE(options->path_style);
  EXPECT_EQ(options->part_size, 16u << 20);
  EXPECT_FALSE(options->redirect);
  EXPECT_FALSE(options->insecure_skip_verify);
}

TEST_F(S3Config, EnvironmentFillsWhatTheFileLeavesOut) {
  ::setenv("AWS_ACCESS_KEY_ID", "ENV_AK", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "ENV_SK", 1);
  ::setenv("AWS_SESSION_TOKEN", "ENV_TOKEN", 1);
  ::setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
  ::setenv("AWS_ENDPOINT_URL", "https://generic.example", 1);
  ::setenv("AWS_ENDPOINT_URL_S3", "https://s3.example", 1);
  auto from_environment = read("bucket: images");
  ASSERT_TRUE(from_environment) << from_environment.error().message;
  EXPECT_EQ(from_environment->credentials.access_key_id, "ENV_AK");
  EXPECT_EQ(from_environment->credentials.secret_access_key, "ENV_SK");
  EXPECT_EQ(from_environment->credentials.session_token, "ENV_TOKEN");
  EXPECT_EQ(from_environment->region, "ap-south-1");
  EXPECT_EQ(from_environment->endpoint, "https://s3.example");

  ::setenv("AWS_REGION", "us-west-2", 1);
  auto from_file = read(
      "bucket: images\nregion: eu-north-1\nendpoint: http://minio:9000\naccess_key_id: AK\n"
      "secret_access_key: SK");
  ASSERT_TRUE(from_file) << from_file.error().message;
  EXPECT_EQ(from_file->credentials.access_key_id, "AK");
  EXPECT_EQ(from_file->credentials.session_token, "");  // not mixed with other credentials
  EXPECT_EQ(from_file->region, "eu-north-1");
  EXPECT_EQ(from_file->endpoint, "http://minio:9000");
  auto region = read("bucket: images");
  ASSERT_TRUE(region);
  EXPECT_EQ(region->region, "us-west-2");  // AWS_REGION before AWS_DEFAULT_REGION
}

TEST_F(S3Config, BadValuesNameTheirKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"bucket: b\npart_size: 4MiB", "storage.s3.part_size"},
      {"bucket: b\npart_size: 6GiB", "storage.s3.part_size"},
      {"bucket: b\npart_size: lots", "storage.s3.part_size"},
      {"bucket: b\npath_style: maybe", "storage.s3.path_style"},
      {"bucket: b\nredirect: [1]", "storage.s3.redirect"},
      {"bucket: b\ninsecure_skip_verify: yes please", "storage.s3.insecure_skip_verify"},
      {"bucket: b\nendpoint: minio:9000", "storage.s3.endpoint"},
      {"bucket: b\nprefix: a//b", "storage.s3.prefix"},
      {"bucket: b\nprefix: ../up", "storage.s3.prefix"},
      {"bucket: b\nca_file: /nonexistent/ca.pem", "storage.s3.ca_file"},
      {"bucket: b\naccess_key_id: AK", "storage.s3.access_key_id"},
      {"bucket: b\nbucket_name: c", "storage.s3.bucket_name"},
      {"region: r", "storage.s3.bucket"},
      {"[1, 2]", "storage.s3"},
  };
  for (const auto& [yaml, key] : cases) {
    const std::string error = error_of(yaml);
    EXPECT_NE(error.find(key), std::string::npos) << yaml << " -> \"" << error << "\"";
  }
  EXPECT_EQ(error_of("bucket: b\npart_size: 5242880"), "");
  EXPECT_EQ(error_of("bucket: b\nprefix: registry/"), "");
}

}  // namespace
}  // namespace server
