// image_signatures and check_image_policy over an OCI layout holding an image, its sigstore
// attachment (tag sha256-<hex>.sig) and cosign referrers, signed with real keys.
#include "transfer/image_signatures.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <openssl/evp.h>

#include "nodeconf/signature_payload.h"
#include "oci/attachment_tag.h"
#include "signature/private_key.h"
#include "signature/sigstore_attachment.h"
#include "testsupport/temp_dir.h"
#include "transfer/copied_images.h"
#include "transfer/layout_store.h"
#include "transfer/policy_verification.h"
#include "transfer/test_images.h"

namespace transfer {
namespace {

using testing::LayoutWriter;
using testsupport::TempDir;

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

nodeconf::RegistriesD registries_d(std::string_view yaml) {
  auto parsed = nodeconf::RegistriesD::parse(yaml, "test.yaml");
  EXPECT_TRUE(parsed) << parsed.error().message;
  return std::move(*parsed);
}

const std::string kAttachments = "default-docker:\n  use-sigstore-attachments: true\n";
const std::string kRepository = "registry.example.com/ns/app";
const std::string kReference = "registry.example.com/ns/app:v1";

class ImageSignaturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writer_.name(image_.manifest, "v1");
    manifest_body_ = testing::read_text(writer_.blob_path(image_.manifest.digest));
  }

  // An attachment manifest of signature layers (payload, base64 signature; "" = no
  // annotation), tagged `name` (else only listed), and a cosign referrer of the image when
  // `as_referrer`.
  oci::Descriptor add_attachment(const std::vector<std::pair<std::string, std::string>>& layers,
                                 const std::string& name = "", bool as_referrer = false) {
    nlohmann::json layer_list = nlohmann::json::array();
    for (const auto& [payload, signature] : layers) {
      nlohmann::json layer =
          writer_.blob(payload, std::string(signature::kSimpleSigningMediaType)).to_json();
      if (!signature.empty())
        layer["annotations"][std::string(signature::kSignatureAnnotation)] = signature;
      layer_list.push_back(std::move(layer));
    }
    nlohmann::json manifest{
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
        {"config", writer_.blob("{}", "application/vnd.oci.image.config.v1+json").to_json()},
        {"layers", std::move(layer_list)}};
    if (as_referrer) {
      manifest["artifactType"] = std::string(kCosignSignatureArtifactType);
      manifest["subject"] = image_.manifest.to_json();
    }
    const oci::Descriptor written = writer_.manifest(manifest);
    if (!name.empty()) {
      writer_.name(written, name);
    } else {
      writer_.list(written);
    }
    return written;
  }

  std::string tag() const { return oci::attachment_tag(image_.manifest.digest.str(), "sig"); }

  std::string payload_for(std::string_view reference, std::string_view digest) const {
    return nodeconf::sigstore_payload(reference, digest, "test", 1);
  }

  std::unique_ptr<LayoutStore> open() {
    auto store = LayoutStore::open(dir_.path());
    EXPECT_TRUE(store) << store.error().message;
    return std::move(*store);
  }

  oci::Result<nodeconf::CandidateSignatures> gather(std::string_view yaml) {
    const auto config = registries_d(yaml);
    auto store = open();
    return image_signatures(*store, kRepository, image_.manifest.digest, config, AccessOptions{});
  }

  TempDir dir_;
  LayoutWriter writer_{dir_.path()};
  testing::Image image_ = writer_.image(1, 100, 7);
  std::string manifest_body_;
};

TEST_F(ImageSignaturesTest, ReadsTheAttachmentOnlyWhenRegistriesDSaysSo) {
  add_attachment({{"payload-1", "c2lnLTE="}, {"payload-2", ""}}, tag());
  const auto off = gather("");
  ASSERT_TRUE(off) << off.error().message;
  EXPECT_TRUE(off->sigstore.empty());

  const auto on = gather(kAttachments);
  ASSERT_TRUE(on) << on.error().message;
  ASSERT_EQ(on->sigstore.size(), 2u);
  EXPECT_EQ(on->sigstore[0].payload, "payload-1");
  EXPECT_EQ(on->sigstore[0].base64_signature, "c2lnLTE=");
  EXPECT_EQ(on->sigstore[1].payload, "payload-2");
  EXPECT_FALSE(on->sigstore[1].base64_signature.has_value());
  EXPECT_TRUE(on->simple_signing.empty());
}

TEST_F(ImageSignaturesTest, NoAttachmentIsNoSignature) {
  const auto found = gather(kAttachments);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_TRUE(found->sigstore.empty());
}

TEST_F(ImageSignaturesTest, ReadsCosignReferrers) {
  add_attachment({{"by-referrer", "c2ln"}}, "", /*as_referrer=*/true);
  const auto found = gather(kAttachments);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->sigstore.size(), 1u);
  EXPECT_EQ(found->sigstore[0].payload, "by-referrer");
}

TEST_F(ImageSignaturesTest, OtherReferrersAreNotSignatures) {
  const testing::Image sbom = writer_.referrer(image_.manifest, 9);
  writer_.list(sbom.manifest);
  const auto found = gather(kAttachments);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_TRUE(found->sigstore.empty());
}

TEST_F(ImageSignaturesTest, APayloadNotMatchingItsDigestIsAnError) {
  add_attachment({{"genuine", "c2ln"}}, tag());
  testing::write_text(writer_.blob_path(oci::digest_of("genuine")), "forged!");
  const auto found = gather(kAttachments);
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message.find("does not match the layer's digest"), std::string::npos)
      << found.error().message;
}

// More than kMaxSigstoreSignatures between the attachment and the referrers is refused before
// their payloads are read, as the lookaside refuses more than kMaxLookasideSignatures.
TEST_F(ImageSignaturesTest, RefusesMoreThanTheCapOfSigstoreSignatures) {
  auto layers = [](std::size_t count, std::string_view prefix) {
    std::vector<std::pair<std::string, std::string>> made;
    for (std::size_t i = 0; i < count; ++i) {
      std::string payload(prefix);
      payload += std::to_string(i);
      made.emplace_back(std::move(payload), "c2ln");
    }
    return made;
  };
  add_attachment(layers(100, "tagged-"), tag());
  add_attachment(layers(kMaxSigstoreSignatures - 100, "referrer-"), "", /*as_referrer=*/true);
  const auto at_cap = gather(kAttachments);
  ASSERT_TRUE(at_cap) << at_cap.error().message;
  EXPECT_EQ(at_cap->sigstore.size(), kMaxSigstoreSignatures);

  add_attachment(layers(1, "one-more-"), "", /*as_referrer=*/true);
  const auto over = gather(kAttachments);
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().message.find("more than 128 sigstore signatures"), std::string::npos)
      << over.error().message;
}

// registries.d's entry for exactly the tag or digest read applies first, as containers/image
// looks up the physical reference's PolicyConfigurationIdentity.
TEST_F(ImageSignaturesTest, TheExactReferenceEntryOfRegistriesDApplies) {
  add_attachment({{"payload", "c2ln"}}, tag());
  const auto config = registries_d(
      "docker:\n  registry.example.com/ns/app:v1:\n    use-sigstore-attachments: true\n");
  auto store = open();
  const auto by_tag = image_signatures(*store, registries_d_identity(kRepository, kReference),
                                       image_.manifest.digest, config, AccessOptions{});
  ASSERT_TRUE(by_tag) << by_tag.error().message;
  EXPECT_EQ(by_tag->sigstore.size(), 1u);
  const auto other_tag =
      image_signatures(*store, registries_d_identity(kRepository, "registry.example.com/ns/app:v2"),
                       image_.manifest.digest, config, AccessOptions{});
  ASSERT_TRUE(other_tag) << other_tag.error().message;
  EXPECT_TRUE(other_tag->sigstore.empty());
}

TEST(RegistriesDIdentity, KeepsTheLogicalTagOrDigest) {
  const std::string digest = oci::digest_of("m").str();
  EXPECT_EQ(registries_d_identity("mirror.example.com/app", "quay.io/ns/app:v1"),
            "mirror.example.com/app:v1");
  EXPECT_EQ(registries_d_identity("mirror.example.com/app", "quay.io/ns/app@" + digest),
            "mirror.example.com/app@" + digest);
  EXPECT_EQ(registries_d_identity("mirror.example.com/app", "quay.io/ns/app"),
            "mirror.example.com/app:latest");
  EXPECT_EQ(registries_d_identity("mirror.example.com/app", "not a reference"),
            "mirror.example.com/app");
}

TEST_F(ImageSignaturesTest, ABrokenAttachmentIsAnError) {
  const oci::Descriptor bad =
      writer_.blob("not json", "application/vnd.oci.image.manifest.v1+json");
  writer_.name(bad, tag());
  EXPECT_FALSE(gather(kAttachments));
}

// check_image_policy end to end: real P-256 keys, a real attachment, the policy's requirement.
class PolicyVerificationTest : public ImageSignaturesTest {
 protected:
  std::filesystem::path write_public_key(const signature::PrivateKey& key, std::string_view name) {
    const auto path =
        dir_.path().parent_path() / (dir_.path().filename().string() + std::string(name));
    std::ofstream(path) << key.public_pem();
    written_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& path : written_) std::filesystem::remove(path);
  }

  nodeconf::PolicyDecision decision(const std::filesystem::path& key) const {
    return {nodeconf::PolicyVerdict::kRequiresSignature,
            kRepository,
            "",
            {{"sigstoreSigned",
              nlohmann::json{{"type", "sigstoreSigned"}, {"keyPath", key.string()}}}}};
  }

  nodeconf::PolicyCheck check(const std::filesystem::path& key) {
    auto store = open();
    auto manifest = store->get_manifest("v1");
    EXPECT_TRUE(manifest);
    const ImageUnderCheck image{*store, kRepository, *manifest, kReference};
    auto checked =
        check_image_policy(decision(key), image, registries_d(kAttachments), AccessOptions{});
    EXPECT_TRUE(checked) << checked.error().message;
    return std::move(*checked);
  }

  std::vector<std::filesystem::path> written_;
};

TEST_F(PolicyVerificationTest, AcceptsTheRightKeyAndRefusesAnother) {
  const signature::PrivateKey signer = signature::PrivateKey::generate();
  const signature::PrivateKey other = signature::PrivateKey::generate();
  const std::string payload = payload_for(kReference, image_.manifest.digest.str());
  add_attachment({{payload, base64(signer.sign(payload))}}, tag());

  const auto good = check(write_public_key(signer, ".good.pub"));
  EXPECT_TRUE(good.allowed) << good.reason;
  const auto wrong = check(write_public_key(other, ".other.pub"));
  EXPECT_FALSE(wrong.allowed);
  EXPECT_EQ(wrong.results[0].refusal, nodeconf::Refusal::kUntrusted);
  EXPECT_NE(wrong.reason.find("cryptographic signature verification failed"), std::string::npos)
      << wrong.reason;
}

TEST_F(PolicyVerificationTest, RefusesASignatureOfAnotherManifest) {
  const signature::PrivateKey signer = signature::PrivateKey::generate();
  const std::string payload = payload_for(kReference, oci::digest_of("another manifest").str());
  add_attachment({{payload, base64(signer.sign(payload))}}, tag());
  const auto checked = check(write_public_key(signer, ".pub"));
  EXPECT_FALSE(checked.allowed);
  EXPECT_EQ(checked.results[0].refusal, nodeconf::Refusal::kDigestMismatch);
}

TEST_F(PolicyVerificationTest, RefusesBadBase64AndAnUnreadableKey) {
  const signature::PrivateKey signer = signature::PrivateKey::generate();
  const std::string payload = payload_for(kReference, image_.manifest.digest.str());
  add_attachment({{payload, "not base64!"}}, tag());
  const auto bad_base64 = check(write_public_key(signer, ".pub"));
  EXPECT_FALSE(bad_base64.allowed);
  EXPECT_NE(bad_base64.reason.find("base64"), std::string::npos) << bad_base64.reason;
  const auto no_key = check(dir_.path() / "missing.pub");
  EXPECT_FALSE(no_key.allowed);
  EXPECT_NE(no_key.reason.find("missing.pub"), std::string::npos) << no_key.reason;
}

// What pull and copy check for an index: each image the copy writes (copied_images), never
// the index itself, as containers/image checks each instance it copies.
TEST_F(PolicyVerificationTest, AnIndexIsJudgedByTheImagesCopiedNotByItsOwnSignature) {
  const signature::PrivateKey signer = signature::PrivateKey::generate();
  const testing::Image arm = writer_.image(1, 100, 8);
  const oci::Descriptor index =
      writer_.index({{image_.manifest, "linux/amd64"}, {arm.manifest, "linux/arm64"}});
  writer_.name(index, "multi");
  const auto key = write_public_key(signer, ".pub");
  const auto sign = [&](const oci::Digest& digest) {
    const std::string payload = payload_for(kReference, digest.str());
    add_attachment({{payload, base64(signer.sign(payload))}},
                   oci::attachment_tag(digest.str(), "sig"));
  };
  const auto allowed = [&](bool all) {
    auto store = open();
    auto top = store->get_manifest("multi");
    EXPECT_TRUE(top) << top.error().message;
    CopyOptions options;
    options.all = all;
    auto images = copied_images(*store, *top, options);
    EXPECT_TRUE(images) << images.error().message;
    bool every = true;
    for (const client::FetchedManifest& image : *images) {
      const ImageUnderCheck under{*store, kRepository, image, kReference};
      auto checked =
          check_image_policy(decision(key), under, registries_d(kAttachments), AccessOptions{});
      EXPECT_TRUE(checked) << checked.error().message;
      every = every && checked->allowed;
    }
    return every;
  };
  sign(index.digest);
  EXPECT_FALSE(allowed(false)) << "signed at the index only";
  sign(image_.manifest.digest);
  EXPECT_TRUE(allowed(false)) << "the host's (linux/amd64) child is signed";
  EXPECT_FALSE(allowed(true)) << "with --all the arm64 child is not";
  sign(arm.manifest.digest);
  EXPECT_TRUE(allowed(true));
}

}  // namespace
}  // namespace transfer
