// How the client addresses a bucket (no network: presigned URLs show the URL it builds).
#include "storage/s3_client.h"

#include <gtest/gtest.h>

namespace storage {
namespace {

std::string url_for(S3Options options, const std::string& key) {
  if (options.credentials.access_key_id.empty()) options.credentials = {"AK", "SK", ""};
  auto client = S3Client::create(std::move(options));
  if (!client) return "error: " + client.error().message;
  const std::string url = (*client)->presigned_get_url(key, std::chrono::seconds(60));
  return url.substr(0, url.find('?'));
}

S3Options bucket(std::string name) {
  S3Options options;
  options.bucket = std::move(name);
  return options;
}

TEST(S3Client, VirtualHostStyleOnAwsByDefault) {
  S3Options options = bucket("images");
  options.region = "eu-west-1";
  EXPECT_EQ(url_for(options, "a/b"), "https://images.s3.eu-west-1.amazonaws.com/a/b");
  EXPECT_EQ(url_for(bucket("images"), "k"), "https://images.s3.us-east-1.amazonaws.com/k");
}

TEST(S3Client, PathStyleKeepsTheEndpointsPort) {
  S3Options options = bucket("images");
  options.endpoint = "http://127.0.0.1:9000/";
  options.path_style = true;
  EXPECT_EQ(url_for(options, "dir/a b+c"), "http://127.0.0.1:9000/images/dir/a%20b%2Bc");
  options.path_style = false;
  EXPECT_EQ(url_for(options, "k"), "http://images.127.0.0.1:9000/k");
}

TEST(S3Client, DottedBucketsOverHttpsArePathStyle) {
  S3Options options = bucket("my.images");
  options.region = "eu-west-1";
  EXPECT_EQ(url_for(options, "k"), "https://s3.eu-west-1.amazonaws.com/my.images/k");
  options.endpoint = "http://store:9000";
  EXPECT_EQ(url_for(options, "k"), "http://my.images.store:9000/k");
}

TEST(S3Client, PresignedUrlCarriesTheSignatureAndToken) {
  S3Options options = bucket("examplebucket");
  options.endpoint = "https://s3.amazonaws.com";
  options.credentials = {"AKIAIOSFODNN7EXAMPLE", "secret", "TOKEN"};
  auto client = S3Client::create(options);
  ASSERT_TRUE(client);
  const std::string url = (*client)->presigned_get_url("test.txt", std::chrono::seconds(600));
  EXPECT_TRUE(url.starts_with("https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm="))
      << url;
  EXPECT_NE(url.find("&X-Amz-Expires=600&"), std::string::npos) << url;
  EXPECT_NE(url.find("&X-Amz-Security-Token=TOKEN&"), std::string::npos) << url;
  EXPECT_NE(url.find("&X-Amz-Signature="), std::string::npos) << url;
}

TEST(S3Client, UnusableEndpointsAndBucketsAreRefused) {
  for (const char* endpoint :
       {"ftp://store", "store:9000", "http://", "http://store/path", "https://user@store"}) {
    S3Options options = bucket("b");
    options.endpoint = endpoint;
    auto client = S3Client::create(options);
    ASSERT_FALSE(client) << endpoint;
    EXPECT_EQ(client.error().code, sys::Errc::kInvalid);
    EXPECT_NE(client.error().message.find(endpoint), std::string::npos);
  }
  EXPECT_FALSE(S3Client::create(S3Options{}));
}

}  // namespace
}  // namespace storage
