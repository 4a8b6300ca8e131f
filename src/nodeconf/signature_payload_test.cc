#include "nodeconf/signature_payload.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nodeconf {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

std::string payload(std::string_view type, std::string_view optional = R"({"creator":"x"})") {
  return R"({"critical":{"type":")" + std::string(type) +
         R"(","image":{"docker-manifest-digest":")" + kDigest +
         R"("},"identity":{"docker-reference":"quay.io/ns/app:1"}},"optional":)" +
         std::string(optional) + "}";
}

void expect_invalid(std::string_view json, std::string_view part,
                    std::string_view type = kSigstoreType) {
  const auto parsed = parse_signature_payload(json, type);
  ASSERT_FALSE(parsed) << json;
  EXPECT_NE(parsed.error().message.find(part), std::string::npos) << parsed.error().message;
}

TEST(SignaturePayload, ReadsBothFormats) {
  for (const auto type : {kSimpleSigningType, kSigstoreType}) {
    const auto parsed = parse_signature_payload(payload(type), type);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->docker_reference, "quay.io/ns/app:1");
    EXPECT_EQ(parsed->manifest_digest, kDigest);
  }
}

TEST(SignaturePayload, TypeMustBeTheExpectedOne) {
  expect_invalid(payload(kSimpleSigningType), "unrecognized signature type", kSigstoreType);
  expect_invalid(payload(kSigstoreType), "unrecognized signature type", kSimpleSigningType);
  expect_invalid(R"({"critical":{"type":null,"image":{"docker-manifest-digest":")" + kDigest +
                     R"("},"identity":{"docker-reference":"a"}},"optional":{}})",
                 "unrecognized signature type \"\"");
}

TEST(SignaturePayload, OptionalNullOnlyForSigstore) {
  EXPECT_TRUE(parse_signature_payload(payload(kSigstoreType, "null"), kSigstoreType));
  expect_invalid(payload(kSimpleSigningType, "null"), "optional", kSimpleSigningType);
}

TEST(SignaturePayload, OptionalMembers) {
  EXPECT_TRUE(parse_signature_payload(payload(kSigstoreType, R"({"timestamp":1700000000})"),
                                      kSigstoreType));
  EXPECT_TRUE(
      parse_signature_payload(payload(kSigstoreType, R"({"timestamp":1.7e9})"), kSigstoreType));
  EXPECT_TRUE(parse_signature_payload(
      payload(kSigstoreType, R"({"creator":null,"timestamp":null,"extra":{"any":[1,2]}})"),
      kSigstoreType));
  expect_invalid(payload(kSigstoreType, R"({"timestamp":1.5})"), "not an integer");
  expect_invalid(payload(kSigstoreType, R"({"timestamp":18446744073709551615})"), "not an integer");
  expect_invalid(payload(kSigstoreType, R"({"timestamp":1e300})"), "not an integer");
  expect_invalid(payload(kSigstoreType, R"({"timestamp":"1"})"), "expected a number");
  expect_invalid(payload(kSigstoreType, R"({"creator":5})"), "expected a string");
  expect_invalid(payload(kSigstoreType, R"([])"), "expected a JSON object");
  expect_invalid(payload(kSigstoreType, R"({"creator":"a","creator":"b"})"), "creator");
}

TEST(SignaturePayload, ExactFields) {
  const std::string image = R"("image":{"docker-manifest-digest":")" + kDigest + R"("})";
  const std::string identity = R"("identity":{"docker-reference":"a/b:1"})";
  const std::string type = R"("type":"cosign container image signature")";
  expect_invalid(R"({"critical":{)" + type + "," + image + "}," + R"("optional":{}})",
                 "\"identity\" missing");
  expect_invalid(
      R"({"critical":{)" + type + "," + image + "," + identity + R"(,"x":1},"optional":{}})",
      "unknown key");
  expect_invalid(R"({"critical":{)" + type + "," + image + "," + identity + "}}",
                 "\"optional\" missing");
  expect_invalid(
      R"({"critical":{)" + type + "," + image + "," + identity + R"(},"optional":{},"z":1})",
      "unknown key");
  expect_invalid(R"({"critical":{)" + type + R"(,"image":{"docker-manifest-digest":")" + kDigest +
                     R"(","extra":1},)" + identity + R"(},"optional":{}})",
                 "unknown key");
  expect_invalid(R"({"critical":{)" + type + "," + image +
                     R"(,"identity":{"docker-reference":"a","other":"b"}},"optional":{}})",
                 "unknown key");
  expect_invalid(
      R"({"critical":{)" + type + "," + image + "," + identity + "," + type + R"(},"optional":{}})",
      "");
  expect_invalid(R"({"critical":[],"optional":{}})", "critical");
  expect_invalid(R"({"critical":{)" + type + R"(,"image":null,)" + identity + R"(},"optional":{}})",
                 "critical.image");
}

TEST(SignaturePayload, DigestMustBeValid) {
  for (const std::string& bad :
       std::vector<std::string>{"", "sha256:abc", "sha256:" + std::string(64, 'A'), "md5:00",
                                "sha256:" + std::string(64, 'g')}) {
    const std::string json =
        R"({"critical":{"type":"cosign container image signature","image":{"docker-manifest-digest":")" +
        bad + R"("},"identity":{"docker-reference":"a"}},"optional":{}})";
    expect_invalid(json, "invalid docker-manifest-digest");
  }
  expect_invalid(
      R"({"critical":{"type":"cosign container image signature","image":{"docker-manifest-digest":1},"identity":{"docker-reference":"a"}},"optional":{}})",
      "expected a string");
}

TEST(SignaturePayload, NullReferenceIsEmpty) {
  const std::string json =
      R"({"critical":{"type":"cosign container image signature","image":{"docker-manifest-digest":")" +
      kDigest + R"("},"identity":{"docker-reference":null}},"optional":{}})";
  const auto parsed = parse_signature_payload(json, kSigstoreType);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->docker_reference, "");
}

TEST(SignaturePayload, HostileInput) {
  expect_invalid("", "");
  expect_invalid("null", "");
  expect_invalid("[]", "");
  expect_invalid(payload(kSigstoreType).substr(0, 40), "");
  expect_invalid(payload(kSigstoreType) + "{}", "");
  expect_invalid("\xEF\xBB\xBF" + payload(kSigstoreType), "byte-order mark");
  expect_invalid(std::string(200, '[') + std::string(200, ']'), "");
  expect_invalid(payload(kSigstoreType, std::string(100, '[') + std::string(100, ']')), "");
  std::string huge =
      payload(kSigstoreType, R"({"pad":")" + std::string(kMaxSignatureSize, 'x') + "\"}");
  expect_invalid(huge, "larger than 4 MiB");
  expect_invalid(
      R"({"critical":{"type":"cosign container image signature","image":{"docker-manifest-digest":")" +
          kDigest + "\"},\"identity\":{\"docker-reference\":\"\xff\"}},\"optional\":{}}",
      "");
  // Every truncation of a valid payload is refused, none crashes.
  const std::string valid = payload(kSigstoreType);
  for (std::size_t length = 0; length < valid.size(); ++length) {
    EXPECT_FALSE(parse_signature_payload(valid.substr(0, length), kSigstoreType)) << length;
  }
}

TEST(SigstorePayload, ByteIdenticalToContainersImage) {
  // As containers/image 5.x writes it (json.Marshal of maps: sorted keys).
  EXPECT_EQ(
      sigstore_payload("quay.io/ns/app:1", kDigest, "regmirror 1.0", 1700000000),
      R"({"critical":{"identity":{"docker-reference":"quay.io/ns/app:1"},"image":{"docker-manifest-digest":")" +
          kDigest +
          R"("},"type":"cosign container image signature"},"optional":{"creator":"regmirror 1.0","timestamp":1700000000}})");
}

TEST(SigstorePayload, EscapesAsGo) {
  const std::string out =
      sigstore_payload("a<b>&\"\\\n\x01\xe2\x80\xa8\xff\xc3\xa9", kDigest, "", -5);
  EXPECT_NE(out.find(R"("a\u003cb\u003e\u0026\"\\\n\u0001\u2028\ufffd)"
                     "\xc3\xa9\""),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("timestamp":-5)"), std::string::npos);
}

TEST(SigstorePayload, RoundTrips) {
  const auto parsed =
      parse_signature_payload(sigstore_payload("h:5000/r:t", kDigest, "c", 1), kSigstoreType);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->docker_reference, "h:5000/r:t");
}

}  // namespace
}  // namespace nodeconf
