#include "server/response_head.h"

#include <gtest/gtest.h>

namespace server {
namespace {

TEST(ResponseHead, WritesStatusLineHeadersAndLength) {
  std::string out = "left over from the last response";
  ResponseHead head(out, 11, http::status::ok);
  head.add("Content-Type", "application/json");
  head.add_quoted("ETag", "sha256:abc");
  head.content_length(1234);
  head.connection(true);
  EXPECT_EQ(head.finish(),
            "HTTP/1.1 200 OK\r\n"
            "Docker-Distribution-API-Version: registry/2.0\r\n"
            "Content-Type: application/json\r\n"
            "ETag: \"sha256:abc\"\r\n"
            "Content-Length: 1234\r\n"
            "\r\n");
}

TEST(ResponseHead, SaysWhenTheConnectionEndsOrStaysAtEachVersion) {
  std::string out;
  ResponseHead closing(out, 11, http::status::not_found);
  closing.connection(false);
  EXPECT_EQ(closing.finish(),
            "HTTP/1.1 404 Not Found\r\n"
            "Docker-Distribution-API-Version: registry/2.0\r\n"
            "Connection: close\r\n\r\n");
  ResponseHead staying(out, 10, http::status::accepted);
  staying.connection(true);
  EXPECT_EQ(staying.finish(),
            "HTTP/1.0 202 Accepted\r\n"
            "Docker-Distribution-API-Version: registry/2.0\r\n"
            "Connection: keep-alive\r\n\r\n");
}

TEST(ResponseHead, CopiesMessageFields) {
  Fields fields;
  fields.set(http::field::location, "/v2/a/blobs/uploads/1");
  fields.set("Range", "0-9");
  std::string out;
  ResponseHead head(out, 11, http::status::accepted);
  head.add(fields);
  EXPECT_EQ(head.finish(),
            "HTTP/1.1 202 Accepted\r\n"
            "Docker-Distribution-API-Version: registry/2.0\r\n"
            "Location: /v2/a/blobs/uploads/1\r\n"
            "Range: 0-9\r\n\r\n");
}

}  // namespace
}  // namespace server
