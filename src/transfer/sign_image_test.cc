#include "transfer/sign_image.h"

#include <gtest/gtest.h>

#include <optional>

#include "nodeconf/signature_payload.h"
#include "oci/attachment_tag.h"
#include "oci/base64.h"
#include "signature/sigstore_attachment.h"
#include "transfer/test_images.h"

namespace transfer {
namespace {

using testing::Image;
using testing::LayoutWriter;
using testsupport::TempDir;

std::string decode_base64(std::string_view text) {
  auto decoded = oci::base64_decode(text);
  EXPECT_TRUE(decoded.has_value()) << text;
  return decoded.value_or("");
}

class SignImageTest : public ::testing::Test {
 protected:
  TempDir temp_;
  LayoutWriter writer_{temp_.path() / "layout"};
  Image image_ = writer_.image(1, 100, 1);
  signature::PrivateKey key_ = signature::PrivateKey::generate();

  std::unique_ptr<LayoutStore> open() {
    auto store = LayoutStore::open(temp_.path() / "layout");
    EXPECT_TRUE(store) << store.error().message;
    return std::move(*store);
  }

  // The signatures under the attachment tag of `manifest` (the image's by default): (payload,
  // raw signature) pairs.
  std::vector<std::pair<std::string, std::string>> signatures(
      LayoutStore& store, const std::optional<oci::Digest>& manifest = std::nullopt) {
    auto attachment = store.get_manifest(
        oci::attachment_tag(manifest.value_or(image_.manifest.digest).str(), "sig"));
    EXPECT_TRUE(attachment) << attachment.error().message;
    if (!attachment) return {};
    auto layers = signature::signature_layers(attachment->body);
    EXPECT_TRUE(layers) << layers.error().message;
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& layer : *layers) {
      std::string payload;
      auto read = store.read_blob(layer.blob, 0, [&](std::span<const std::byte> bytes) {
        payload.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        return oci::Result<void>();
      });
      EXPECT_TRUE(read);
      out.emplace_back(
          payload,
          decode_base64(layer.annotations.at(std::string(signature::kSignatureAnnotation))));
    }
    return out;
  }
};

TEST_F(SignImageTest, WritesAVerifiableSignatureOfTheDestinationReference) {
  auto store = open();
  auto signed_as =
      sign_sigstore(*store, image_.manifest.digest, "registry.example.com/app:1", key_);
  ASSERT_TRUE(signed_as) << signed_as.error().message;
  const auto found = signatures(*store);
  ASSERT_EQ(found.size(), 1u);
  const auto& [payload, raw] = found.front();
  EXPECT_TRUE(key_.public_key().verifies(payload, raw));
  auto parsed = nodeconf::parse_signature_payload(payload, nodeconf::kSigstoreType);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->docker_reference, "registry.example.com/app:1");
  EXPECT_EQ(parsed->manifest_digest, image_.manifest.digest.str());
  EXPECT_NE(payload.find(R"("optional":{"creator":"regmirror )"), std::string::npos) << payload;
}

TEST_F(SignImageTest, AppendsToTheSignaturesAlreadyThere) {
  auto store = open();
  const signature::PrivateKey other = signature::PrivateKey::generate();
  ASSERT_TRUE(sign_sigstore(*store, image_.manifest.digest, "a.example/app:1", other));
  ASSERT_TRUE(sign_sigstore(*store, image_.manifest.digest, "b.example/app:1", key_));
  const auto found = signatures(*store);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_TRUE(other.public_key().verifies(found[0].first, found[0].second));
  EXPECT_TRUE(key_.public_key().verifies(found[1].first, found[1].second));
  EXPECT_FALSE(key_.public_key().verifies(found[0].first, found[0].second));
}

TEST_F(SignImageTest, SignsNothingAgainForTheSameKeyReferenceAndDigest) {
  auto store = open();
  auto first = sign_sigstore(*store, image_.manifest.digest, "a.example/app:1", key_);
  ASSERT_TRUE(first) << first.error().message;
  auto again = sign_sigstore(*store, image_.manifest.digest, "a.example/app:1", key_);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(signatures(*store).size(), 1u);
  // Another reference is another signature.
  ASSERT_TRUE(sign_sigstore(*store, image_.manifest.digest, "b.example/app:1", key_));
  EXPECT_EQ(signatures(*store).size(), 2u);
}

TEST_F(SignImageTest, SignsEveryManifestOfACopyForOneIdentity) {
  const Image other = writer_.image(1, 100, 2);
  const oci::Descriptor index =
      writer_.index({{image_.manifest, "linux/amd64"}, {other.manifest, "linux/arm64"}});
  auto store = open();
  const CopyResult copied{
      .digest = index.digest,
      .media_type = index.media_type,
      .stats = {},
      .manifests = {image_.manifest.digest, other.manifest.digest, index.digest}};
  const std::string identity = "registry.example.com/app@" + index.digest.str();
  auto signed_as = sign_copied_image(*store, copied, identity, key_);
  ASSERT_TRUE(signed_as) << signed_as.error().message;
  EXPECT_EQ(*signed_as,
            store->get_manifest(oci::attachment_tag(index.digest.str(), "sig"))->digest);
  for (const oci::Digest& manifest : copied.manifests) {
    const auto found = signatures(*store, manifest);
    ASSERT_EQ(found.size(), 1u) << manifest.str();
    auto parsed = nodeconf::parse_signature_payload(found[0].first, nodeconf::kSigstoreType);
    ASSERT_TRUE(parsed) << parsed.error().message;
    // Each manifest's own digest, the one destination reference (as containers/image).
    EXPECT_EQ(parsed->manifest_digest, manifest.str());
    EXPECT_EQ(parsed->docker_reference, identity);
    EXPECT_TRUE(key_.public_key().verifies(found[0].first, found[0].second));
  }
}

TEST_F(SignImageTest, ACopyOfNoManifestIsNotSigned) {
  auto store = open();
  const CopyResult copied{.digest = image_.manifest.digest,
                          .media_type = image_.manifest.media_type,
                          .stats = {},
                          .manifests = {}};
  EXPECT_FALSE(sign_copied_image(*store, copied, "a.example/app:1", key_));
}

TEST(SigningIdentity, TagOrTheTopDigest) {
  const oci::Digest top = oci::digest_of("index");
  EXPECT_EQ(signing_identity("quay.io/ns/app", "v1", top), "quay.io/ns/app:v1");
  // Never a bare name: matchRepoDigestOrExact would accept no signature of it.
  EXPECT_EQ(signing_identity("quay.io/ns/app", "", top), "quay.io/ns/app@" + top.str());
}

}  // namespace
}  // namespace transfer
