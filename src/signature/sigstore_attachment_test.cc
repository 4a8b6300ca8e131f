#include "signature/sigstore_attachment.h"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "nodeconf/signature_payload.h"
#include "oci/base64.h"
#include "oci/digest.h"

namespace signature {
namespace {

using Json = nlohmann::json;

const std::string kPayload =
    R"({"critical":{"identity":{"docker-reference":"quay.io/ns/app:1"},"image":{"docker-manifest-digest":"sha256:)" +
    std::string(64, 'a') + R"("},"type":"cosign container image signature"},"optional":null})";

TEST(AddSignature, WritesTheManifestAndConfigContainersImageWrites) {
  auto written = add_signature("", kPayload, "sig-bytes");
  ASSERT_TRUE(written) << written.error().message;
  const std::string payload_digest = oci::digest_of(kPayload).str();
  const std::string config =
      R"({"architecture":"","os":"","config":{},"rootfs":{"type":"layers","diff_ids":[")" +
      payload_digest + R"("]}})";
  const std::string config_digest = oci::digest_of(config).str();
  EXPECT_EQ(written->manifest,
            R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
            R"("config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
                config_digest + R"(","size":)" + std::to_string(config.size()) +
                R"(},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json",)"
                R"("digest":")" +
                payload_digest + R"(","size":)" + std::to_string(kPayload.size()) +
                R"(,"annotations":{"dev.cosignproject.cosign/signature":")" +
                oci::base64_encode("sig-bytes") + R"("}}]})");
  ASSERT_EQ(written->blobs.size(), 2u);
  EXPECT_EQ(written->blobs.at(config_digest), config);
  EXPECT_EQ(written->blobs.at(payload_digest), kPayload);
}

TEST(AddSignature, AppendsToAnExistingAttachmentAndReadsBack) {
  auto first = add_signature("", kPayload, "one");
  ASSERT_TRUE(first);
  const std::string other_payload = kPayload + " ";
  auto second = add_signature(first->manifest, other_payload, "two");
  ASSERT_TRUE(second) << second.error().message;
  auto layers = signature_layers(second->manifest);
  ASSERT_TRUE(layers) << layers.error().message;
  ASSERT_EQ(layers->size(), 2u);
  EXPECT_EQ((*layers)[0].blob.digest, oci::digest_of(kPayload));
  EXPECT_EQ((*layers)[0].annotations.at(std::string(kSignatureAnnotation)),
            oci::base64_encode("one"));
  EXPECT_EQ((*layers)[1].blob.digest, oci::digest_of(other_payload));
  EXPECT_EQ((*layers)[1].blob.size, static_cast<std::int64_t>(other_payload.size()));
  EXPECT_EQ((*layers)[1].annotations.at(std::string(kSignatureAnnotation)),
            oci::base64_encode("two"));
  // The config lists both layers; the first payload is already in the registry.
  const Json manifest = Json::parse(second->manifest);
  const std::string config = second->blobs.at(manifest["config"]["digest"].get<std::string>());
  EXPECT_EQ(Json::parse(config)["rootfs"]["diff_ids"],
            Json::array({oci::digest_of(kPayload).str(), oci::digest_of(other_payload).str()}));
  EXPECT_EQ(second->blobs.count(oci::digest_of(other_payload).str()), 1u);
}

TEST(AddSignature, TheSameSignatureIsNotAddedTwice) {
  auto first = add_signature("", kPayload, "one");
  ASSERT_TRUE(first);
  auto again = add_signature(first->manifest, kPayload, "one");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->manifest, first->manifest);
  EXPECT_TRUE(again->blobs.empty());
  // Same payload, another signature: a new layer (containers/image compares the annotations).
  auto other = add_signature(first->manifest, kPayload, "two");
  ASSERT_TRUE(other);
  EXPECT_EQ(signature_layers(other->manifest)->size(), 2u);
}

TEST(AddSignature, KeepsTheExistingManifestsOtherMembersAndLayers) {
  const std::string cosign_written =
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",)"
      R"("config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:)" +
      std::string(64, 'c') +
      R"(","size":7},"layers":[{"mediaType":"application/vnd.example.other","digest":"sha256:)" +
      std::string(64, 'd') + R"(","size":3}],"annotations":{"made-by":"cosign"}})";
  auto written = add_signature(cosign_written, kPayload, "sig");
  ASSERT_TRUE(written) << written.error().message;
  const Json manifest = Json::parse(written->manifest);
  EXPECT_EQ(manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(manifest["config"]["mediaType"], "application/vnd.oci.image.config.v1+json");
  EXPECT_EQ(manifest["annotations"]["made-by"], "cosign");
  ASSERT_EQ(manifest["layers"].size(), 2u);
  EXPECT_EQ(manifest["layers"][0]["mediaType"], "application/vnd.example.other");
  auto layers = signature_layers(written->manifest);
  ASSERT_TRUE(layers);
  EXPECT_EQ(layers->size(), 1u);  // the other layer is not a signature
}

TEST(AddSignature, RefusesOversizedPayloadsAndBadExistingManifests) {
  EXPECT_FALSE(add_signature("", std::string(nodeconf::kMaxSignatureSize + 1, 'x'), "sig"));
  EXPECT_TRUE(add_signature("", std::string(nodeconf::kMaxSignatureSize, 'x'), "sig"));
  EXPECT_FALSE(add_signature("not json", kPayload, "sig"));
  EXPECT_FALSE(add_signature(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})",
      kPayload, "sig"));
}

TEST(AddSignature, NeverWritesAManifestBeyondTheLimit) {
  auto written = add_signature("", kPayload, std::string(std::size_t{2} * 1024 * 1024, 's'));
  ASSERT_TRUE(written);
  auto too_big =
      add_signature(written->manifest, kPayload, std::string(std::size_t{1024} * 1024, 't'));
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().message.find("would be larger"), std::string::npos);
}

TEST(MergeAttachments, AppendsTheIncomingSignaturesTheDestinationLacks) {
  auto ours = add_signature("", "our payload", "ours");  // e.g. made while mirroring
  auto shared = add_signature("", kPayload, "shared");
  ASSERT_TRUE(ours && shared);
  auto theirs = add_signature(shared->manifest, "their payload", "theirs");
  auto destination = add_signature(ours->manifest, kPayload, "shared");
  ASSERT_TRUE(theirs && destination);

  auto merged = merge_attachments(destination->manifest, theirs->manifest);
  ASSERT_TRUE(merged) << merged.error().message;
  auto layers = signature_layers(merged->manifest);
  ASSERT_TRUE(layers) << layers.error().message;
  ASSERT_EQ(layers->size(), 3u);  // ours, shared (once), theirs
  EXPECT_EQ((*layers)[0].blob.digest, oci::digest_of("our payload"));
  EXPECT_EQ((*layers)[1].blob.digest, oci::digest_of(kPayload));
  EXPECT_EQ((*layers)[2].blob.digest, oci::digest_of("their payload"));
  EXPECT_EQ((*layers)[2].annotations.at(std::string(kSignatureAnnotation)),
            oci::base64_encode("theirs"));
  // Only the rebuilt config is new; it lists the three layers.
  ASSERT_EQ(merged->blobs.size(), 1u);
  const Json manifest = Json::parse(merged->manifest);
  const std::string config = merged->blobs.at(manifest["config"]["digest"].get<std::string>());
  EXPECT_EQ(Json::parse(config)["rootfs"]["diff_ids"],
            Json::array({oci::digest_of("our payload").str(), oci::digest_of(kPayload).str(),
                         oci::digest_of("their payload").str()}));
}

TEST(MergeAttachments, NothingMissingLeavesTheDestinationsAsItIs) {
  auto first = add_signature("", kPayload, "one");
  ASSERT_TRUE(first);
  auto more = add_signature(first->manifest, "more", "two");
  ASSERT_TRUE(more);
  for (const std::string& incoming : {first->manifest, more->manifest}) {
    auto merged = merge_attachments(more->manifest, incoming);
    ASSERT_TRUE(merged) << merged.error().message;
    EXPECT_EQ(merged->manifest, more->manifest);
    EXPECT_TRUE(merged->blobs.empty());
  }
  // The same payload signed differently is another signature.
  auto resigned = add_signature("", kPayload, "three");
  ASSERT_TRUE(resigned);
  auto merged = merge_attachments(first->manifest, resigned->manifest);
  ASSERT_TRUE(merged);
  EXPECT_EQ(signature_layers(merged->manifest)->size(), 2u);
}

TEST(MergeAttachments, RefusesBadManifestsAndAnOversizedResult) {
  auto good = add_signature("", kPayload, "one");
  ASSERT_TRUE(good);
  const std::string index =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})";
  for (const std::string& bad : {std::string("not json"), index, std::string("{}")}) {
    EXPECT_FALSE(merge_attachments(bad, good->manifest)) << bad;
    EXPECT_FALSE(merge_attachments(good->manifest, bad)) << bad;
  }
  auto big = add_signature("", kPayload, std::string(std::size_t{2} * 1024 * 1024, 's'));
  auto other_big = add_signature("", "other", std::string(std::size_t{2} * 1024 * 1024, 't'));
  ASSERT_TRUE(big && other_big);
  auto too_big = merge_attachments(big->manifest, other_big->manifest);
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().message.find("would be larger"), std::string::npos);
}

TEST(SignatureLayers, SkipsWhatIsNotASignature) {
  const std::string manifest =
      R"({"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:)" +
      std::string(64, 'c') +
      R"(","size":2},"layers":[)"
      R"({"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"sha256:)" +
      std::string(64, '1') +
      R"(","size":10,"annotations":{"dev.cosignproject.cosign/signature":"c2ln","other":"x"}},)"
      R"({"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"sha256:)" +
      std::string(64, '2') +
      R"(","size":4194305},)"
      R"({"mediaType":"application/octet-stream","digest":"sha256:)" +
      std::string(64, '3') +
      R"(","size":1},)"
      R"({"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"sha256:)" +
      std::string(64, '4') + R"(","size":4194304}]})";
  auto layers = signature_layers(manifest);  // no mediaType member: read as OCI
  ASSERT_TRUE(layers) << layers.error().message;
  ASSERT_EQ(layers->size(), 2u);
  EXPECT_EQ((*layers)[0].blob.digest.str(), "sha256:" + std::string(64, '1'));
  EXPECT_EQ((*layers)[0].annotations.size(), 2u);
  EXPECT_EQ((*layers)[0].annotations.at("other"), "x");
  EXPECT_EQ((*layers)[1].blob.digest.str(), "sha256:" + std::string(64, '4'));
  EXPECT_TRUE((*layers)[1].annotations.empty());
}

TEST(SignatureLayers, RefusesWhatIsNotAnImageManifest) {
  const std::vector<std::string> cases = {
      "",
      "null",
      "[]",
      "{",
      std::string(10000, '['),
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})",
      R"({"schemaVersion":1,"layers":[]})",
      R"({"schemaVersion":2,"config":{"mediaType":"a","digest":"sha256:bad","size":1},"layers":[]})",
      R"({"schemaVersion":2,"config":{"mediaType":"a","digest":"sha256:)" + std::string(64, 'c') +
          R"(","size":-1},"layers":[]})",
      R"({"schemaVersion":2,"mediaType":"text/plain","config":{},"layers":[]})",
      std::string(kMaxAttachmentManifest + 1, ' '),
  };
  for (const std::string& text : cases) {
    auto layers = signature_layers(text);
    EXPECT_FALSE(layers) << text.substr(0, 200);
    if (!layers) {
      EXPECT_EQ(layers.error().code, oci::ErrorCode::kManifestInvalid);
    }
  }
}

}  // namespace
}  // namespace signature
