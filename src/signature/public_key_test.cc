#include "signature/public_key.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

#include "oci/base64.h"
#include "signature/test_data.h"

namespace signature {
namespace {

using testing::openssl_key;
using testing::openssl_sign;
using testing::read_testdata;

const std::string kPayload = R"({"critical":{"type":"cosign container image signature"}})";

struct KeyKind {
  const char* type;
  const char* parameter;
};

class EachKeyKind : public ::testing::TestWithParam<KeyKind> {};

TEST_P(EachKeyKind, VerifiesWhatOpenSslSignedAndNothingElse) {
  const auto key = openssl_key(GetParam().type, GetParam().parameter);
  const std::string signature = openssl_sign(key, kPayload);
  auto parsed = PublicKey::from_pem(key.public_pem);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(parsed->verifies(kPayload, signature));

  std::string other_payload = kPayload;
  other_payload.back() = ' ';
  EXPECT_FALSE(parsed->verifies(other_payload, signature));
  EXPECT_FALSE(parsed->verifies(kPayload + " ", signature));
  std::string flipped = signature;
  flipped[flipped.size() / 2] ^= 0x01;
  EXPECT_FALSE(parsed->verifies(kPayload, flipped));
  EXPECT_FALSE(parsed->verifies(kPayload, signature.substr(0, signature.size() - 1)));
  EXPECT_FALSE(parsed->verifies(kPayload, signature + '\0'));
  EXPECT_FALSE(parsed->verifies(kPayload, ""));

  const auto stranger = openssl_key(GetParam().type, GetParam().parameter);
  EXPECT_FALSE(parsed->verifies(kPayload, openssl_sign(stranger, kPayload)));
}

TEST_P(EachKeyKind, PemRoundTrips) {
  const auto key = openssl_key(GetParam().type, GetParam().parameter);
  auto parsed = PublicKey::from_pem(key.public_pem);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->pem(), key.public_pem);
}

INSTANTIATE_TEST_SUITE_P(Sigstore, EachKeyKind,
                         ::testing::Values(KeyKind{"EC", "P-256"}, KeyKind{"EC", "P-384"},
                                           KeyKind{"EC", "P-521"}, KeyKind{"RSA", "2048"},
                                           KeyKind{"ED25519", ""}));

TEST(PublicKey, EcdsaHashesWithSha256WhateverTheCurve) {
  // sigstore's LoadVerifier(key, crypto.SHA256): P-384 signatures over SHA-384 are not valid.
  const auto key = openssl_key("EC", "P-384");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t size = 0;
  const auto* message = reinterpret_cast<const unsigned char*>(kPayload.data());
  EVP_DigestSignInit(ctx, nullptr, EVP_sha384(), nullptr, key.key.get());
  EVP_DigestSign(ctx, nullptr, &size, message, kPayload.size());
  std::string sha384_signature(size, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sha384_signature.data()), &size, message,
                 kPayload.size());
  EVP_MD_CTX_free(ctx);
  sha384_signature.resize(size);
  EXPECT_FALSE(PublicKey::from_pem(key.public_pem)->verifies(kPayload, sha384_signature));
}

TEST(PublicKey, VerifiesASignatureCosignMade) {
  auto key = PublicKey::from_pem(read_testdata("cosign.pub"));
  ASSERT_TRUE(key) << key.error().message;
  const std::string payload = read_testdata("cosign-signed.payload");
  std::string base64 = read_testdata("cosign-signed.sig");
  base64.pop_back();  // the newline
  const auto signature = oci::base64_decode(base64);
  ASSERT_TRUE(signature);
  EXPECT_TRUE(key->verifies(payload, *signature));
  EXPECT_FALSE(key->verifies(payload + "\n", *signature));
}

TEST(PublicKey, ReadsAnRsaKeyOfContainersImage) {
  EXPECT_TRUE(PublicKey::from_pem(read_testdata("some-rsa-key.pub")));
}

std::string pem(std::string_view type, std::string_view der) {
  std::string text = "-----BEGIN " + std::string(type) + "-----\n";
  const std::string base64 = oci::base64_encode(der);
  for (std::size_t at = 0; at < base64.size(); at += 64) text += base64.substr(at, 64) + "\n";
  return text + "-----END " + std::string(type) + "-----\n";
}

std::string public_der(const testing::OpenSslKey& key) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key.key.get(), &der);
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return bytes;
}

TEST(PublicKey, ReadsPkcs1RsaPublicKeysAndTextBeforeTheBlock) {
  const auto key = openssl_key("RSA", "2048");
  unsigned char* der = nullptr;
  const int length = i2d_PublicKey(key.key.get(), &der);  // RSA: PKCS#1 RSAPublicKey
  ASSERT_GT(length, 0);
  const std::string pkcs1(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  auto parsed = PublicKey::from_pem("a comment line\n" + pem("RSA PUBLIC KEY", pkcs1));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_TRUE(parsed->verifies(kPayload, openssl_sign(key, kPayload)));
  EXPECT_EQ(parsed->pem(), key.public_pem);
}

TEST(PublicKey, RefusesWhatIsNotASupportedPublicKey) {
  const std::string der = public_der(openssl_key("EC", "P-256"));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "no PEM block"},
      {"just text\n", "no PEM block"},
      {std::string(1 << 20, 'A'), "no PEM block"},
      {"-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n", "no PEM block"},
      {"-----BEGIN PUBLIC KEY-----\n" + oci::base64_encode(der) + "\n", "no PEM block"},
      {pem("PRIVATE KEY", der), "is not a public key"},
      {pem("CERTIFICATE", der), "is not a public key"},
      {pem("PUBLIC KEY", ""), "no PEM block"},  // OpenSSL reads no empty block
      {pem("PUBLIC KEY", der.substr(0, der.size() - 1)), "malformed PUBLIC KEY"},
      {pem("PUBLIC KEY", der.substr(0, 10)), "malformed PUBLIC KEY"},
      {pem("PUBLIC KEY", der + '\0'), "malformed PUBLIC KEY"},
      {pem("PUBLIC KEY", std::string(300, '\x30')), "malformed PUBLIC KEY"},
      {pem("RSA PUBLIC KEY", der), "malformed RSA PUBLIC KEY"},
      {openssl_key("EC", "secp256k1").public_pem, "curve secp256k1"},
      {openssl_key("EC", "P-224").public_pem, "curve secp224r1"},
      {openssl_key("X25519", "").public_pem, "X25519"},
  };
  for (const auto& [text, expected] : cases) {
    auto key = PublicKey::from_pem(text);
    ASSERT_FALSE(key) << text.substr(0, 200);
    EXPECT_NE(key.error().message.find(expected), std::string::npos)
        << key.error().message << " for " << text.substr(0, 200);
  }
}

}  // namespace
}  // namespace signature
