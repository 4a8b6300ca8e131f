// Checked against the examples of the S3 API reference's "Signature Calculations for the
// Authorization Header" and "Authenticating Requests: Using Query Parameters" pages, which
// sign with AWS's published example credentials at 20130524T000000Z in us-east-1.
#include "storage/sigv4.h"

#include <gtest/gtest.h>

namespace storage::sigv4 {
namespace {

const Credentials kExample{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
constexpr std::string_view kDate = "20130524T000000Z";
constexpr std::string_view kHost = "examplebucket.s3.amazonaws.com";
const std::string kEmptyHash = sha256_hex("");

Request get(std::string path, std::vector<std::pair<std::string, std::string>> query = {}) {
  return Request{"GET",
                 std::move(path),
                 std::move(query),
                 {{"Host", std::string(kHost)},
                  {"x-amz-content-sha256", kEmptyHash},
                  {"x-amz-date", std::string(kDate)}},
                 kEmptyHash};
}

std::string signature_of(const Request& request) {
  const std::string header = authorization(kExample, "us-east-1", kDate, request);
  return header.substr(header.rfind('=') + 1);
}

TEST(SigV4, EmptyBodyHash) {
  EXPECT_EQ(kEmptyHash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigV4, GetObjectExample) {
  Request request = get("/test.txt");
  request.headers.emplace_back("Range", "bytes=0-9");
  // Appended piece by piece: GCC 12 warns (-Wrestrict, falsely) on a chain of operator+.
  std::string expected = "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n";
  expected.append("x-amz-content-sha256:").append(kEmptyHash);
  expected.append("\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n");
  expected.append(kEmptyHash);
  EXPECT_EQ(canonical_request(request), expected);
  EXPECT_EQ(sha256_hex(canonical_request(request)),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(authorization(kExample, "us-east-1", kDate, request),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, PutObjectExample) {
  const std::string payload = sha256_hex("Welcome to Amazon S3.");
  EXPECT_EQ(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  const Request request{"PUT",
                        uri_encode("/test$file.text", true),
                        {},
                        {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                         {"Host", std::string(kHost)},
                         {"x-amz-date", std::string(kDate)},
                         {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                         {"x-amz-content-sha256", payload}},
                        payload};
  EXPECT_EQ(request.path, "/test%24file.text");
  EXPECT_EQ(sha256_hex(canonical_request(request)),
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  EXPECT_EQ(signature_of(request),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4, GetBucketLifecycleExample) {
  EXPECT_EQ(signature_of(get("/", {{"lifecycle", ""}})),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4, ListObjectsExampleSortsTheQuery) {
  EXPECT_EQ(signature_of(get("/", {{"prefix", "J"}, {"max-keys", "2"}})),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, PresignedGetExample) {
  const Request request{"GET", "/test.txt", {}, {{"Host", std::string(kHost)}}, ""};
  EXPECT_EQ(presigned_query(kExample, "us-east-1", kDate, std::chrono::hours(24), request),
            "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4, SessionTokenIsSignedIntoAPresignedUrl) {
  Credentials temporary = kExample;
  temporary.session_token = "token/with+chars";
  const Request request{"GET", "/test.txt", {}, {{"Host", std::string(kHost)}}, ""};
  const std::string query =
      presigned_query(temporary, "us-east-1", kDate, std::chrono::seconds(60), request);
  EXPECT_NE(query.find("&X-Amz-Security-Token=token%2Fwith%2Bchars&"), std::string::npos);
  EXPECT_NE(query,
            presigned_query(kExample, "us-east-1", kDate, std::chrono::seconds(60), request));
}

TEST(SigV4, HeaderValuesAreTrimmedAndNamesLowerCased) {
  Request spaced = get("/test.txt");
  spaced.headers.emplace_back("X-Amz-Meta-Note", "  two   words ");
  Request tight = get("/test.txt");
  tight.headers.emplace_back("x-amz-meta-note", "two words");
  EXPECT_EQ(canonical_request(spaced), canonical_request(tight));
}

TEST(SigV4, UriEncoding) {
  EXPECT_EQ(uri_encode("a/b c+~_-.%", true), "a/b%20c%2B~_-.%25");
  EXPECT_EQ(uri_encode("a/b", false), "a%2Fb");
  EXPECT_EQ(uri_encode("caf\xc3\xa9", false), "caf%C3%A9");
}

TEST(SigV4, AmzDate) {
  EXPECT_EQ(amz_date(std::chrono::sys_days(std::chrono::year(2013) / 5 / 24) +
                     std::chrono::hours(1) + std::chrono::milliseconds(1500)),
            "20130524T010001Z");
}

}  // namespace
}  // namespace storage::sigv4
