#include "oci/manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace oci {
namespace {

using media_type::ManifestKind;
using nlohmann::json;

const std::string kOciManifest(media_type::kOciManifest);
const std::string kOciIndex(media_type::kOciIndex);
const std::string kDockerManifest(media_type::kDockerManifest);
const std::string kDockerManifestList(media_type::kDockerManifestList);
const std::string kOciConfig = "application/vnd.oci.image.config.v1+json";
const std::string kOciLayer = "application/vnd.oci.image.layer.v1.tar+gzip";
const std::string kDockerConfig = "application/vnd.docker.container.image.v1+json";
const std::string kDockerLayer = "application/vnd.docker.image.rootfs.diff.tar.gzip";
const std::string kSbomType = "application/vnd.example.sbom.v1";

json descriptor(const std::string& media_type, const std::string& content) {
  return {
      {"mediaType", media_type}, {"digest", digest_of(content).str()}, {"size", content.size()}};
}

json oci_image() {
  return {{"schemaVersion", 2},
          {"mediaType", kOciManifest},
          {"config", descriptor(kOciConfig, "config")},
          {"layers", {descriptor(kOciLayer, "layer one"), descriptor(kOciLayer, "layer two")}},
          {"annotations", {{"org.opencontainers.image.created", "2024-01-01T00:00:00Z"}}}};
}

json oci_index() {
  return {{"schemaVersion", 2},
          {"mediaType", kOciIndex},
          {"manifests",
           {descriptor(kOciManifest, "amd64 image"), descriptor(kOciManifest, "arm64 image")}}};
}

json docker_manifest() {
  return {{"schemaVersion", 2},
          {"mediaType", kDockerManifest},
          {"config", descriptor(kDockerConfig, "config")},
          {"layers", {descriptor(kDockerLayer, "layer")}}};
}

json docker_manifest_list() {
  json entry = descriptor(kDockerManifest, "amd64 image");
  entry["platform"] = {{"architecture", "amd64"}, {"os", "linux"}};
  return {{"schemaVersion", 2}, {"mediaType", kDockerManifestList}, {"manifests", {entry}}};
}

json without(json document, const std::string& key) {
  document.erase(key);
  return document;
}

json with(json document, const std::string& pointer, json value) {
  document[json::json_pointer(pointer)] = std::move(value);
  return document;
}

struct ValidCase {
  std::string name;
  json body;
  std::string content_type;
  std::string media_type;
  ManifestKind kind;
  std::string artifact_type;
  std::size_t descriptors;  // layers of an image, manifests of an index
};

class ValidManifestTest : public testing::TestWithParam<ValidCase> {};

TEST_P(ValidManifestTest, Parses) {
  const auto& c = GetParam();
  const auto manifest = parse_manifest(c.body.dump(), c.content_type);
  ASSERT_TRUE(manifest.has_value()) << manifest.error().message;
  EXPECT_EQ(manifest->media_type, c.media_type);
  EXPECT_EQ(manifest->kind, c.kind);
  EXPECT_EQ(manifest->artifact_type, c.artifact_type);
  if (c.kind == ManifestKind::kImage) {
    ASSERT_TRUE(manifest->config.has_value());
    EXPECT_EQ(manifest->layers.size(), c.descriptors);
    EXPECT_TRUE(manifest->manifests.empty());
  } else {
    EXPECT_FALSE(manifest->config.has_value());
    EXPECT_TRUE(manifest->layers.empty());
    EXPECT_EQ(manifest->manifests.size(), c.descriptors);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidManifestTest,
    testing::Values(
        ValidCase{"OciImage", oci_image(), kOciManifest, kOciManifest, ManifestKind::kImage,
                  kOciConfig, 2},
        ValidCase{"OciIndex", oci_index(), kOciIndex, kOciIndex, ManifestKind::kIndex, "", 2},
        ValidCase{"DockerManifest", docker_manifest(), kDockerManifest, kDockerManifest,
                  ManifestKind::kImage, kDockerConfig, 1},
        ValidCase{"DockerManifestList", docker_manifest_list(), kDockerManifestList,
                  kDockerManifestList, ManifestKind::kIndex, "", 1},
        ValidCase{"NoContentType", oci_image(), "", kOciManifest, ManifestKind::kImage, kOciConfig,
                  2},
        ValidCase{"ContentTypeWithParameters", oci_image(), kOciManifest + "; charset=utf-8",
                  kOciManifest, ManifestKind::kImage, kOciConfig, 2},
        ValidCase{"MediaTypeOnlyInContentType", without(oci_image(), "mediaType"), kOciManifest,
                  kOciManifest, ManifestKind::kImage, kOciConfig, 2},
        ValidCase{"IndexMediaTypeOnlyInContentType", without(oci_index(), "mediaType"), kOciIndex,
                  kOciIndex, ManifestKind::kIndex, "", 2},
        ValidCase{"NullMediaTypeUsesContentType", with(oci_image(), "/mediaType", nullptr),
                  kOciManifest, kOciManifest, ManifestKind::kImage, kOciConfig, 2},
        ValidCase{"EmptyLayers", with(oci_image(), "/layers", json::array()), kOciManifest,
                  kOciManifest, ManifestKind::kImage, kOciConfig, 0},
        ValidCase{"EmptyIndex", with(oci_index(), "/manifests", json::array()), kOciIndex,
                  kOciIndex, ManifestKind::kIndex, "", 0},
        ValidCase{"ArtifactTypeWins", with(oci_image(), "/artifactType", kSbomType), kOciManifest,
                  kOciManifest, ManifestKind::kImage, kSbomType, 2},
        ValidCase{"IndexArtifactType", with(oci_index(), "/artifactType", kSbomType), kOciIndex,
                  kOciIndex, ManifestKind::kIndex, kSbomType, 2},
        ValidCase{"EmptyConfigArtifact",
                  with(oci_image(), "/config/mediaType", std::string(media_type::kOciEmpty)),
                  kOciManifest, kOciManifest, ManifestKind::kImage,
                  std::string(media_type::kOciEmpty), 2},
        ValidCase{"UnknownFieldsIgnored", with(oci_image(), "/x-extension", {{"nested", {1, 2}}}),
                  kOciManifest, kOciManifest, ManifestKind::kImage, kOciConfig, 2},
        ValidCase{"Sha512Layer",
                  with(oci_image(), "/layers/0/digest",
                       digest_of("layer one", DigestAlgorithm::kSha512).str()),
                  kOciManifest, kOciManifest, ManifestKind::kImage, kOciConfig, 2},
        ValidCase{"ZeroSize", with(oci_image(), "/layers/0/size", 0), kOciManifest, kOciManifest,
                  ManifestKind::kImage, kOciConfig, 2},
        ValidCase{"MaxSize", with(oci_image(), "/layers/0/size", INT64_MAX), kOciManifest,
                  kOciManifest, ManifestKind::kImage, kOciConfig, 2},
        ValidCase{"NullOptionalFields",
                  with(with(oci_image(), "/subject", nullptr), "/layers/0/urls", nullptr),
                  kOciManifest, kOciManifest, ManifestKind::kImage, kOciConfig, 2}),
    [](const auto& info) { return info.param.name; });

struct InvalidCase {
  std::string name;
  json body;
  std::string content_type;
  std::string reason;  // part of the expected message
};

class InvalidManifestTest : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidManifestTest, IsManifestInvalid) {
  const auto& c = GetParam();
  const auto manifest = parse_manifest(c.body.dump(), c.content_type);
  ASSERT_FALSE(manifest.has_value());
  EXPECT_EQ(manifest.error().code, ErrorCode::kManifestInvalid);
  EXPECT_THAT(manifest.error().message, testing::HasSubstr(c.reason));
}

const json kOciLayerFields = descriptor(kOciLayer, "layer");

INSTANTIATE_TEST_SUITE_P(
    Table, InvalidManifestTest,
    testing::Values(
        // media type resolution
        InvalidCase{"ContentTypeDisagrees", oci_image(), kOciIndex,
                    "mediaType in the body differs from the Content-Type"},
        InvalidCase{"ContentTypeDockerForOci", oci_image(), kDockerManifest,
                    "mediaType in the body differs from the Content-Type"},
        InvalidCase{"ContentTypeGenericJson", oci_image(), "application/json",
                    "mediaType in the body differs from the Content-Type"},
        InvalidCase{"NoMediaTypeAnywhere", without(oci_image(), "mediaType"), "",
                    "unsupported manifest media type"},
        InvalidCase{"OnlyUnsupportedContentType", without(oci_image(), "mediaType"),
                    "application/json", "unsupported manifest media type"},
        InvalidCase{"UnsupportedBodyMediaType", with(oci_image(), "/mediaType", kOciConfig), "",
                    "unsupported manifest media type"},
        InvalidCase{
            "SchemaOneMediaType",
            with(oci_image(), "/mediaType", "application/vnd.docker.distribution.manifest.v1+json"),
            "", "unsupported manifest media type"},
        InvalidCase{"EmptyBodyMediaType", with(oci_image(), "/mediaType", ""), kOciManifest,
                    "mediaType in the body differs from the Content-Type"},
        InvalidCase{"NumericMediaType", with(oci_image(), "/mediaType", 1), kOciManifest,
                    "mediaType"},
        // schemaVersion
        InvalidCase{"NoSchemaVersion", without(oci_image(), "schemaVersion"), kOciManifest,
                    "schemaVersion"},
        InvalidCase{"SchemaVersionOne", with(oci_image(), "/schemaVersion", 1), kOciManifest,
                    "schemaVersion"},
        InvalidCase{"SchemaVersionString", with(oci_image(), "/schemaVersion", "2"), kOciManifest,
                    "schemaVersion"},
        InvalidCase{"SchemaVersionFloat", with(oci_image(), "/schemaVersion", 2.0), kOciManifest,
                    "schemaVersion"},
        // image and index fields
        InvalidCase{"ImageWithoutConfig", without(oci_image(), "config"), kOciManifest,
                    "an image manifest needs config"},
        InvalidCase{"ImageWithoutLayers", without(oci_image(), "layers"), kOciManifest, "layers"},
        InvalidCase{"ImageNullLayers", with(oci_image(), "/layers", nullptr), kOciManifest,
                    "layers"},
        InvalidCase{"LayersObject", with(oci_image(), "/layers", kOciLayerFields), kOciManifest,
                    "layers"},
        InvalidCase{"ConfigArray", with(oci_image(), "/config", {kOciLayerFields}), kOciManifest,
                    "config"},
        InvalidCase{"ConfigString", with(oci_image(), "/config", "config"), kOciManifest, "config"},
        InvalidCase{"ImageWithManifests", with(oci_image(), "/manifests", json::array()),
                    kOciManifest, "an image manifest must not have manifests"},
        InvalidCase{"IndexWithoutManifests", without(oci_index(), "manifests"), kOciIndex,
                    "manifests"},
        InvalidCase{"IndexManifestsObject", with(oci_index(), "/manifests", json::object()),
                    kOciIndex, "manifests"},
        InvalidCase{"IndexWithLayers", with(oci_index(), "/layers", json::array()), kOciIndex,
                    "an index must not have config or layers"},
        InvalidCase{"IndexWithConfig", with(oci_index(), "/config", kOciLayerFields), kOciIndex,
                    "an index must not have config or layers"},
        InvalidCase{"ImageBodyServedAsIndex", without(oci_image(), "mediaType"), kOciIndex,
                    "an index must not have config or layers"},
        InvalidCase{"IndexBodyServedAsImage", without(oci_index(), "mediaType"), kOciManifest,
                    "an image manifest must not have manifests"},
        InvalidCase{"IndexEntryNotObject", with(oci_index(), "/manifests/1", "sha256:abc"),
                    kOciIndex, "manifests[1]"},
        // descriptors
        InvalidCase{"LayerNotObject", with(oci_image(), "/layers/1", 5), kOciManifest, "layers[1]"},
        InvalidCase{"DescriptorNoMediaType",
                    with(oci_image(), "/layers/0", without(kOciLayerFields, "mediaType")),
                    kOciManifest, "layers[0].mediaType"},
        InvalidCase{"DescriptorEmptyMediaType", with(oci_image(), "/layers/0/mediaType", ""),
                    kOciManifest, "layers[0].mediaType"},
        InvalidCase{"DescriptorNumericMediaType", with(oci_image(), "/config/mediaType", 7),
                    kOciManifest, "config.mediaType"},
        InvalidCase{"DescriptorNoDigest",
                    with(oci_image(), "/layers/0", without(kOciLayerFields, "digest")),
                    kOciManifest, "layers[0].digest"},
        InvalidCase{"DescriptorBadDigest", with(oci_image(), "/layers/0/digest", "sha256:abc"),
                    kOciManifest, "layers[0].digest"},
        InvalidCase{"DescriptorUppercaseDigest",
                    with(oci_image(), "/config/digest",
                         "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
                    kOciManifest, "config.digest"},
        InvalidCase{"DescriptorUnknownAlgorithm",
                    with(oci_image(), "/layers/0/digest",
                         "md5:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                    kOciManifest, "layers[0].digest"},
        InvalidCase{"DescriptorDigestNotString", with(oci_image(), "/layers/0/digest", 12),
                    kOciManifest, "layers[0].digest"},
        InvalidCase{"DescriptorNoSize",
                    with(oci_image(), "/layers/0", without(kOciLayerFields, "size")), kOciManifest,
                    "layers[0].size"},
        InvalidCase{"DescriptorNegativeSize", with(oci_image(), "/layers/0/size", -1), kOciManifest,
                    "layers[0].size"},
        InvalidCase{"DescriptorFloatSize", with(oci_image(), "/layers/0/size", 1.5), kOciManifest,
                    "layers[0].size"},
        InvalidCase{"DescriptorStringSize", with(oci_image(), "/layers/0/size", "10"), kOciManifest,
                    "layers[0].size"},
        InvalidCase{"DescriptorSizeOverInt64",
                    with(oci_image(), "/layers/0/size", std::uint64_t{INT64_MAX} + 1), kOciManifest,
                    "layers[0].size"},
        InvalidCase{"DescriptorSizeUint64Max", with(oci_image(), "/layers/0/size", UINT64_MAX),
                    kOciManifest, "layers[0].size"},
        InvalidCase{"DescriptorUrlsString", with(oci_image(), "/layers/0/urls", "http://x"),
                    kOciManifest, "layers[0].urls"},
        InvalidCase{"DescriptorUrlsNumbers", with(oci_image(), "/layers/0/urls", {1, 2}),
                    kOciManifest, "layers[0].urls"},
        InvalidCase{"DescriptorArtifactTypeNumber",
                    with(oci_index(), "/manifests/0/artifactType", 3), kOciIndex,
                    "manifests[0].artifactType"},
        InvalidCase{"DescriptorAnnotationsArray",
                    with(oci_image(), "/layers/0/annotations", {"a", "b"}), kOciManifest,
                    "layers[0].annotations"},
        InvalidCase{"DescriptorAnnotationNotString",
                    with(oci_image(), "/layers/0/annotations", {{"a", 1}}), kOciManifest,
                    "layers[0].annotations values"},
        InvalidCase{"SubjectNotObject", with(oci_image(), "/subject", "sha256:abc"), kOciManifest,
                    "subject"},
        InvalidCase{"SubjectBadDigest",
                    with(with(oci_image(), "/subject", kOciLayerFields), "/subject/digest", "x"),
                    kOciManifest, "subject.digest"},
        // manifest-level optional fields
        InvalidCase{"ArtifactTypeNumber", with(oci_image(), "/artifactType", 1), kOciManifest,
                    "artifactType"},
        InvalidCase{"AnnotationsString", with(oci_image(), "/annotations", "a=b"), kOciManifest,
                    "annotations"},
        InvalidCase{"AnnotationsNested", with(oci_image(), "/annotations", {{"a", {{"b", "c"}}}}),
                    kOciManifest, "annotations values"},
        // not an object
        InvalidCase{"Array", json::array({oci_image()}), kOciManifest, "JSON object"},
        InvalidCase{"String", json("manifest"), kOciManifest, "JSON object"},
        InvalidCase{"Number", json(2), kOciManifest, "JSON object"},
        InvalidCase{"Null", json(nullptr), kOciManifest, "JSON object"},
        InvalidCase{"EmptyObject", json::object(), kOciManifest, "schemaVersion"}),
    [](const auto& info) { return info.param.name; });

std::string nested(std::size_t depth, char open, char close) {
  return std::string(depth, open) + std::string(depth, close);
}

struct HostileCase {
  std::string name;
  std::string body;
};

class HostileManifestTest : public testing::TestWithParam<HostileCase> {};

TEST_P(HostileManifestTest, IsManifestInvalidWithoutThrowing) {
  Result<Manifest> manifest = fail(ErrorCode::kInternal, "not parsed");
  ASSERT_NO_THROW(manifest = parse_manifest(GetParam().body, kOciManifest));
  ASSERT_FALSE(manifest.has_value());
  EXPECT_EQ(manifest.error().code, ErrorCode::kManifestInvalid);
}

const std::string kValidImage = oci_image().dump();

INSTANTIATE_TEST_SUITE_P(
    Table, HostileManifestTest,
    testing::Values(
        HostileCase{"Empty", ""}, HostileCase{"Whitespace", " \n\t "},
        HostileCase{"Truncated", kValidImage.substr(0, kValidImage.size() / 2)},
        HostileCase{"TrailingGarbage", kValidImage + "x"},
        HostileCase{"TwoDocuments", kValidImage + kValidImage},
        HostileCase{"SingleQuotes", "{'schemaVersion': 2}"},
        HostileCase{"Comment", "/* c */" + kValidImage},
        HostileCase{"DeepArrays", nested(100000, '[', ']')},
        HostileCase{"DeepObjects",
                    [] {
                      std::string body;
                      for (int i = 0; i < 100000; ++i) body += "{\"a\":";
                      return body + "1" + std::string(100000, '}');
                    }()},
        HostileCase{"DeepInsideValidManifest", R"({"schemaVersion":2,"mediaType":")" +
                                                   kOciManifest + R"(","x":)" +
                                                   nested(65, '[', ']') + "}"},
        HostileCase{"UnclosedDeepArrays", std::string(100000, '[')},
        HostileCase{"HugeExponent", R"({"schemaVersion":1e400})"},
        HostileCase{"HugeSize",
                    [] {
                      std::string body = with(oci_image(), "/layers/0/size", 123456789).dump();
                      return body.replace(body.find("123456789"), 9,
                                          "99999999999999999999999999999999");
                    }()},
        HostileCase{"HugeSchemaVersion", R"({"schemaVersion":99999999999999999999999999})"},
        HostileCase{"InvalidUtf8InString",
                    [] {
                      std::string body = with(oci_image(), "/annotations/a", "XX").dump();
                      return body.replace(body.find("XX"), 2, "\xff\xfe");
                    }()},
        HostileCase{"InvalidUtf8Outside", "\xef\xbb\xbf\xff" + kValidImage},
        HostileCase{"LoneSurrogateEscape",
                    [] {
                      std::string body = with(oci_image(), "/annotations/a", "XX").dump();
                      return body.replace(body.find("XX"), 2, "\\ud800");
                    }()},
        HostileCase{"EmbeddedNul", std::string("{\"schemaVersion\":2\0}", 20)},
        HostileCase{"NotJson", "not json at all"}),
    [](const auto& info) { return info.param.name; });

TEST(ManifestTest, NestingWithinLimitParses) {
  json body = oci_image();
  body["x-extension"] = json::parse(nested(60, '[', ']'));
  EXPECT_TRUE(parse_manifest(body.dump(), kOciManifest).has_value());
}

TEST(ManifestTest, BracketsInsideStringsDoNotCountAsNesting) {
  json body = oci_image();
  body["annotations"]["brackets"] = std::string(1000, '[') + "\\\"" + std::string(1000, '{');
  EXPECT_TRUE(parse_manifest(body.dump(), kOciManifest).has_value());
}

TEST(ManifestTest, KeepsDescriptorFields) {
  json body = oci_image();
  body["layers"][0]["urls"] = {"https://example.com/layer"};
  body["layers"][0]["annotations"] = {{"k", "v"}};
  body["layers"][0]["artifactType"] = kSbomType;
  body["subject"] = descriptor(kOciManifest, "subject");

  const auto manifest = parse_manifest(body.dump(), kOciManifest);
  ASSERT_TRUE(manifest.has_value()) << manifest.error().message;
  const Descriptor& layer = manifest->layers[0];
  EXPECT_EQ(layer.media_type, kOciLayer);
  EXPECT_EQ(layer.digest, digest_of("layer one"));
  EXPECT_EQ(layer.size, 9);
  EXPECT_EQ(layer.urls, std::vector<std::string>{"https://example.com/layer"});
  EXPECT_EQ(layer.artifact_type, kSbomType);
  EXPECT_EQ(layer.annotations, json({{"k", "v"}}));
  EXPECT_TRUE(manifest->layers[1].annotations.is_null());
  ASSERT_TRUE(manifest->subject.has_value());
  EXPECT_EQ(manifest->subject->digest, digest_of("subject"));
  EXPECT_EQ(manifest->annotations, oci_image()["annotations"]);
}

TEST(ManifestTest, AbsentOptionalFieldsAreEmpty) {
  const auto manifest = parse_manifest(docker_manifest().dump(), kDockerManifest);
  ASSERT_TRUE(manifest.has_value()) << manifest.error().message;
  EXPECT_FALSE(manifest->subject.has_value());
  EXPECT_TRUE(manifest->annotations.is_null());
  EXPECT_TRUE(manifest->layers[0].urls.empty());
  EXPECT_TRUE(manifest->layers[0].artifact_type.empty());
}

TEST(DescriptorTest, ToJsonWritesOnlySetOptionalFields) {
  Descriptor plain{.media_type = kOciManifest,
                   .digest = digest_of("a"),
                   .size = 1,
                   .urls = {},
                   .artifact_type = {},
                   .annotations = {}};
  EXPECT_EQ(plain.to_json(),
            json({{"mediaType", kOciManifest}, {"digest", digest_of("a").str()}, {"size", 1}}));

  Descriptor full = plain;
  full.artifact_type = kSbomType;
  full.annotations = {{"k", "v"}};
  EXPECT_EQ(full.to_json(), json({{"mediaType", kOciManifest},
                                  {"digest", digest_of("a").str()},
                                  {"size", 1},
                                  {"artifactType", kSbomType},
                                  {"annotations", {{"k", "v"}}}}));
}

TEST(DescriptorTest, ToJsonRoundTripsThroughParse) {
  json body = oci_index();
  body["manifests"][0]["artifactType"] = kSbomType;
  body["manifests"][0]["annotations"] = {{"k", "v"}};
  const auto manifest = parse_manifest(body.dump(), "");
  ASSERT_TRUE(manifest.has_value()) << manifest.error().message;
  EXPECT_EQ(manifest->manifests[0].to_json(), body["manifests"][0]);
}

}  // namespace
}  // namespace oci
