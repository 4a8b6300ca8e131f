#include "auth/keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "auth/test_keys.h"
#include "testsupport/temp_dir.h"

namespace auth {
namespace {

using testing::new_private_key_pem;
using testing::public_pem_of;

TEST(Keys, LoadsEcAndRsaPrivateKeys) {
  const oci::Result<PrivateKey> ec = PrivateKey::from_pem(new_private_key_pem("EC", "P-256"));
  ASSERT_TRUE(ec) << ec.error().message;
  EXPECT_EQ(ec->algorithm(), KeyAlgorithm::kEs256);
  EXPECT_EQ(ec->kid().size(), 43U);  // base64url of 32 bytes
  const oci::Result<PrivateKey> rsa = PrivateKey::from_pem(new_private_key_pem("RSA", "", 2048));
  ASSERT_TRUE(rsa) << rsa.error().message;
  EXPECT_EQ(rsa->algorithm(), KeyAlgorithm::kRs256);
  EXPECT_EQ(algorithm_name(rsa->algorithm()), "RS256");
  EXPECT_EQ(algorithm_name(ec->algorithm()), "ES256");
}

TEST(Keys, RefusesWeakOrOtherKeys) {
  EXPECT_FALSE(PrivateKey::from_pem(new_private_key_pem("RSA", "", 1024)));
  const oci::Result<PrivateKey> p384 = PrivateKey::from_pem(new_private_key_pem("EC", "P-384"));
  ASSERT_FALSE(p384);
  EXPECT_NE(p384.error().message.find("P-256"), std::string::npos);
  EXPECT_FALSE(PrivateKey::from_pem(""));
  EXPECT_FALSE(
      PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
  EXPECT_FALSE(PrivateKey::from_pem(std::string(kMaxKeyFileSize + 1, 'a')));
  // A public key is not a private key.
  EXPECT_FALSE(PrivateKey::from_pem(public_pem_of(new_private_key_pem("EC", "P-256"))));
}

TEST(Keys, GeneratedKeyRoundTripsThroughPem) {
  const oci::Result<PrivateKey> key = PrivateKey::generate_ec();
  ASSERT_TRUE(key);
  const oci::Result<std::string> pem = key->to_pem();
  ASSERT_TRUE(pem);
  EXPECT_TRUE(pem->starts_with("-----BEGIN PRIVATE KEY-----"));
  const oci::Result<PrivateKey> again = PrivateKey::from_pem(*pem);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->kid(), key->kid());
  EXPECT_NE(PrivateKey::generate_ec()->kid(), key->kid());
}

TEST(Keys, WritesThePrivateKeyFilePrivately) {
  const testsupport::TempDir dir;
  const oci::Result<PrivateKey> key = PrivateKey::generate_ec();
  ASSERT_TRUE(key);
  const std::filesystem::path path = dir.path() / "token.key";
  ASSERT_TRUE(write_private_key_file(path, *key));
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  const oci::Result<std::string> text = read_key_file(path);
  ASSERT_TRUE(text);
  EXPECT_EQ(PrivateKey::from_pem(*text)->kid(), key->kid());
  EXPECT_EQ(read_key_file(dir.path() / "missing").error().code, oci::ErrorCode::kNotFound);
  EXPECT_FALSE(write_private_key_file(dir.path() / "no" / "dir", *key));
}

TEST(Keys, ReadsSeveralPublicKeysFromPem) {
  const std::string ec_pem = new_private_key_pem("EC", "P-256");
  const std::string rsa_pem = new_private_key_pem("RSA", "", 2048);
  const oci::Result<std::vector<PublicKey>> keys = public_keys_from_pem(
      "junk before\n" + public_pem_of(ec_pem) + public_pem_of(rsa_pem) + "junk after\n");
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), 2U);
  EXPECT_EQ((*keys)[0].kid(), PrivateKey::from_pem(ec_pem)->kid());
  EXPECT_EQ((*keys)[1].algorithm(), KeyAlgorithm::kRs256);
  EXPECT_FALSE(public_keys_from_pem(""));
  EXPECT_FALSE(
      public_keys_from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"));
  EXPECT_FALSE(public_keys_from_pem(public_pem_of(new_private_key_pem("EC", "P-384"))));
}

TEST(Keys, JwksRoundTrip) {
  const oci::Result<PrivateKey> ec = PrivateKey::generate_ec();
  const oci::Result<PrivateKey> rsa = PrivateKey::from_pem(new_private_key_pem("RSA", "", 2048));
  ASSERT_TRUE(ec && rsa);
  const std::string jwks = format_jwks({ec->public_key(), rsa->public_key()});
  const oci::Result<std::vector<PublicKey>> keys = public_keys_from_jwks(jwks);
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), 2U);
  EXPECT_EQ((*keys)[0].kid(), ec->kid());
  EXPECT_EQ((*keys)[1].kid(), rsa->kid());
  EXPECT_EQ((*keys)[1].algorithm(), KeyAlgorithm::kRs256);
}

// RFC 7638 §3.1: the thumbprint of the RFC's example RSA key.
TEST(Keys, ThumbprintIsRfc7638s) {
  const std::string modulus =
      "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJE"
      "CPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2"
      "QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh"
      "6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
  const std::string jwks =
      R"({"keys": [{"kty": "RSA", "e": "AQAB", "alg": "RS256", "n": ")" + modulus + R"("}]})";
  const oci::Result<std::vector<PublicKey>> keys = public_keys_from_jwks(jwks);
  ASSERT_TRUE(keys) << keys.error().message;
  EXPECT_EQ(keys->front().kid(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

std::string ec_jwk(const std::string& extra) {
  const oci::Result<PrivateKey> key = PrivateKey::generate_ec();
  nlohmann::json jwks = nlohmann::json::parse(format_jwks({key->public_key()}));
  nlohmann::json jwk = jwks["keys"][0];
  jwk.erase("alg");
  jwk.erase("use");
  jwk.erase("kid");
  std::string text = jwk.dump();
  text.pop_back();
  return text + extra + "}";
}

TEST(Keys, JwksSkipsUnknownKeyTypesAndEncryptionKeys) {
  const std::string jwks = R"({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "abc"},)"
                           R"({"kty": "oct", "k": "c2VjcmV0"},)" +
                           ec_jwk(R"(,"use":"enc")") + "," + ec_jwk(R"(,"kid":"mine")") + "]}";
  const oci::Result<std::vector<PublicKey>> keys = public_keys_from_jwks(jwks);
  ASSERT_TRUE(keys) << keys.error().message;
  ASSERT_EQ(keys->size(), 1U);
  EXPECT_EQ(keys->front().kid(), "mine");
  EXPECT_FALSE(public_keys_from_jwks(R"({"keys": [{"kty": "OKP", "x": "abc"}]})"));
}

TEST(Keys, JwksRefusesHostileDocuments) {
  const std::string good = ec_jwk("");
  for (const std::string& text : {
           std::string(""),
           std::string("[]"),
           std::string("{"),
           std::string(R"({"keys": {}})"),
           std::string(R"({"keys": [1]})"),
           std::string(R"({"keys": [{"crv": "P-256"}]})"),
           std::string(R"({"keys": [{"kty": 7}]})"),
           std::string(R"({"keys": [{"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}]})"),
           std::string(R"({"keys": [{"kty": "EC", "crv": "P-256", "x": "!!", "y": "AA"}]})"),
           std::string(R"({"keys": [{"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}]})"),
           // a point that is not on the curve
           std::string(R"({"keys": [{"kty": "EC", "crv": "P-256", "x": ")") + std::string(43, 'A') +
               R"(", "y": ")" + std::string(42, 'A') + R"(E"}]})",
           std::string(R"({"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]})"),
           std::string(R"({"keys": [{"kty": "RSA", "n": "AQAB"}]})"),
           R"({"keys": [)" + ec_jwk(R"(,"alg":"RS256")") + "]}",
           R"({"keys": [)" + ec_jwk(R"(,"kid":5)") + "]}",
           std::string(R"({"keys": [[[[[[[[]]]]]]]]})"),
           std::string(kMaxJwksSize + 1, ' '),
       }) {
    EXPECT_FALSE(public_keys_from_jwks(text)) << text.substr(0, 200);
  }
  std::string many = R"({"keys": [)";
  for (std::size_t i = 0; i <= kMaxJwksKeys; ++i) many += (i > 0 ? "," : "") + good;
  EXPECT_FALSE(public_keys_from_jwks(many + "]}"));
}

}  // namespace
}  // namespace auth
