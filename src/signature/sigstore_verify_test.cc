#include "signature/sigstore_verify.h"

#include <gtest/gtest.h>

#include <string>

#include "oci/base64.h"
#include "signature/private_key.h"
#include "signature/sigstore_attachment.h"
#include "signature/test_data.h"

namespace signature {
namespace {

using testing::read_testdata;

std::string cosign_base64_signature() {
  std::string base64 = read_testdata("cosign-signed.sig");
  base64.pop_back();  // the newline
  return base64;
}

TEST(VerifySigstoreSignature, AcceptsWhenAnyKeyOfTheRequirementSigned) {
  const nlohmann::json raw = {{"type", "sigstoreSigned"},
                              {"keyDatas",
                               {oci::base64_encode(PrivateKey::generate().public_pem()),
                                oci::base64_encode(read_testdata("cosign.pub"))}}};
  auto keys = requirement_public_keys(raw);
  ASSERT_TRUE(keys) << keys.error().message;
  const std::string payload = read_testdata("cosign-signed.payload");
  EXPECT_TRUE(verify_sigstore_signature(*keys, payload, cosign_base64_signature()));

  auto tampered = verify_sigstore_signature(*keys, payload + " ", cosign_base64_signature());
  ASSERT_FALSE(tampered);
  EXPECT_EQ(tampered.error().code, oci::ErrorCode::kDenied);
  EXPECT_NE(tampered.error().message.find("verification failed"), std::string::npos);
}

TEST(VerifySigstoreSignature, RefusesMissingOrMalformedSignatures) {
  const PrivateKey key = PrivateKey::generate();
  const std::vector<PublicKey> keys = {key.public_key()};
  const std::string signature = oci::base64_encode(key.sign("payload"));
  EXPECT_TRUE(verify_sigstore_signature(keys, "payload", signature));
  EXPECT_NE(verify_sigstore_signature(keys, "payload", "").error().message.find("missing"),
            std::string::npos);
  EXPECT_NE(verify_sigstore_signature(keys, "payload", "%%%").error().message.find("base64"),
            std::string::npos);
  EXPECT_NE(verify_sigstore_signature(keys, "payload", signature.substr(1))
                .error()
                .message.find("base64"),
            std::string::npos);
  EXPECT_FALSE(verify_sigstore_signature(std::vector<PublicKey>{}, "payload", signature));
}

TEST(SignatureFromLayer, ChecksTheFetchedBytesAgainstTheLayer) {
  const PrivateKey key = PrivateKey::generate();
  auto written = add_signature("", "payload", key.sign("payload"));
  ASSERT_TRUE(written);
  auto layers = signature_layers(written->manifest);
  ASSERT_TRUE(layers);
  ASSERT_EQ(layers->size(), 1u);
  auto signature = signature_from_layer(layers->front(), "payload");
  ASSERT_TRUE(signature) << signature.error().message;
  EXPECT_EQ(signature->payload, "payload");
  EXPECT_TRUE(verify_sigstore_signature({key.public_key()}, signature->payload,
                                        signature->base64_signature));
  EXPECT_EQ(signature->annotations.size(), 1u);

  EXPECT_EQ(signature_from_layer(layers->front(), "payloaD").error().code,
            oci::ErrorCode::kDigestInvalid);
  EXPECT_EQ(signature_from_layer(layers->front(), "payload!").error().code,
            oci::ErrorCode::kSizeInvalid);

  SignatureLayer unsigned_layer = layers->front();
  unsigned_layer.annotations.clear();
  auto without = signature_from_layer(unsigned_layer, "payload");
  ASSERT_TRUE(without);
  EXPECT_TRUE(without->base64_signature.empty());
  EXPECT_FALSE(
      verify_sigstore_signature({key.public_key()}, without->payload, without->base64_signature));
}

}  // namespace
}  // namespace signature
