#include "storage/s3_xml.h"

#include <gtest/gtest.h>

namespace storage::s3xml {
namespace {

TEST(S3Xml, ErrorBody) {
  auto error =
      parse_error(R"(<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code>)"
                  R"(<Message>The specified key does not exist.</Message><Key>a/b</Key></Error>)");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "NoSuchKey");
  EXPECT_EQ(error->message, "The specified key does not exist.");
  EXPECT_FALSE(parse_error(""));
  EXPECT_FALSE(parse_error("not xml"));
  EXPECT_FALSE(parse_error("<ListBucketResult/>"));
}

TEST(S3Xml, ListObjectsPage) {
  auto page = parse_list_objects(
      R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
      R"(<Name>b</Name><Prefix>d/</Prefix><KeyCount>3</KeyCount><IsTruncated>true</IsTruncated>)"
      R"(<NextContinuationToken>tok&amp;1</NextContinuationToken>)"
      R"(<Contents><Key>d/a</Key><Size>12</Size></Contents>)"
      R"(<Contents><Key>d/b&lt;</Key><Size>0</Size></Contents>)"
      R"(<CommonPrefixes><Prefix>d/c/</Prefix></CommonPrefixes></ListBucketResult>)");
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "d/a");
  EXPECT_EQ(page->objects[0].size, 12u);
  EXPECT_EQ(page->objects[1].key, "d/b<");
  EXPECT_EQ(page->common_prefixes, std::vector<std::string>{"d/c/"});
  EXPECT_EQ(page->next_continuation_token, "tok&1");

  auto last = parse_list_objects(
      "<ListBucketResult><IsTruncated>false</IsTruncated>"
      "</ListBucketResult>");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->next_continuation_token, "");
  EXPECT_FALSE(
      parse_list_objects("<ListBucketResult><IsTruncated>true</IsTruncated>"
                         "</ListBucketResult>"));
}

TEST(S3Xml, ResultsThatCarryAnErrorFail) {
  auto copied = parse_result_etag(
      "<CopyObjectResult><LastModified>x</LastModified><ETag>\"e1\"</ETag></CopyObjectResult>");
  ASSERT_TRUE(copied);
  EXPECT_EQ(*copied, "\"e1\"");
  auto failed = parse_result_etag(
      "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message>"
      "</Error>");
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("InternalError"), std::string::npos);
  EXPECT_FALSE(parse_upload_id("<InitiateMultipartUploadResult/>"));
  auto id = parse_upload_id(
      "<InitiateMultipartUploadResult><UploadId>u-1</UploadId></InitiateMultipartUploadResult>");
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "u-1");
}

TEST(S3Xml, DeleteErrors) {
  auto errors = parse_delete_errors(
      "<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>AccessDenied</Code>"
      "<Message>no</Message></Error></DeleteResult>");
  ASSERT_TRUE(errors);
  EXPECT_EQ(*errors, std::vector<std::string>{"b: AccessDenied: no"});
}

TEST(S3Xml, RequestBodiesEscapeKeys) {
  EXPECT_EQ(delete_objects_body({"a&b", "c"}),
            "<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object>"
            "<Object><Key>c</Key></Object></Delete>");
  EXPECT_EQ(complete_multipart_body({{1, "\"e1\""}, {2, "\"e2\""}}),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag>"
            "</Part><Part><PartNumber>2</PartNumber><ETag>&quot;e2&quot;</ETag></Part>"
            "</CompleteMultipartUpload>");
}

}  // namespace
}  // namespace storage::s3xml
