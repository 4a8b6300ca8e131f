#include "signature/cosign_envelope.h"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "oci/base64.h"

namespace signature::internal {
namespace {

using Json = nlohmann::json;

TEST(CosignEnvelope, SealsAndOpens) {
  const std::string secret = "PKCS#8 bytes \x01\x02";
  const std::string sealed = seal_envelope(secret, "correct horse");
  auto opened = open_envelope(sealed, "correct horse");
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(*opened, secret);
  EXPECT_NE(seal_envelope(secret, "correct horse"), sealed);  // fresh salt and nonce
}

TEST(CosignEnvelope, WritesCosignsJsonMembersInItsOrder) {
  const std::string sealed = seal_envelope("x", "");
  EXPECT_TRUE(
      sealed.starts_with(R"({"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":")"))
      << sealed;
  EXPECT_NE(sealed.find(R"("},"cipher":{"name":"nacl/secretbox","nonce":")"), std::string::npos);
  const Json envelope = Json::parse(sealed);
  EXPECT_EQ(oci::base64_decode(envelope["kdf"]["salt"].get<std::string>())->size(), 32u);
  EXPECT_EQ(oci::base64_decode(envelope["cipher"]["nonce"].get<std::string>())->size(), 24u);
  EXPECT_EQ(oci::base64_decode(envelope["ciphertext"].get<std::string>())->size(), 1u + 16u);
}

TEST(CosignEnvelope, WrongPassphraseIsDenied) {
  const std::string sealed = seal_envelope("secret", "right");
  auto opened = open_envelope(sealed, "wrong");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, oci::ErrorCode::kDenied);
  EXPECT_NE(opened.error().message.find("wrong passphrase"), std::string::npos);
  EXPECT_FALSE(open_envelope(sealed, ""));
}

// `sealed` with one member replaced.
std::string altered(const std::string& sealed, const Json::json_pointer& where, const Json& value) {
  Json envelope = Json::parse(sealed);
  envelope[where] = value;
  return envelope.dump();
}

TEST(CosignEnvelope, RefusesHostileEnvelopesBeforeDoingTheWork) {
  const std::string sealed = seal_envelope("secret", "pw");
  const Json envelope = Json::parse(sealed);
  const std::string ciphertext = *oci::base64_decode(envelope["ciphertext"].get<std::string>());
  using P = Json::json_pointer;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not a JSON object"},
      {"[]", "not a JSON object"},
      {"{", "not a JSON object"},
      {std::string(100000, '['), "nests too deep"},
      {"{}", "kdf or cipher is missing"},
      {altered(sealed, P("/kdf/name"), "pbkdf2"), "unsupported key derivation function"},
      {altered(sealed, P("/kdf/params"), nullptr), "scrypt parameter N"},
      {altered(sealed, P("/kdf/params/N"), 1ULL << 40), "N must be an integer from 1 to 524288"},
      {altered(sealed, P("/kdf/params/N"), 1 << 20), "N must be an integer from 1 to 524288"},
      {altered(sealed, P("/kdf/params/N"), 32767), "N must be a power of two"},
      {altered(sealed, P("/kdf/params/N"), 1), "N must be a power of two"},
      {altered(sealed, P("/kdf/params/N"), -32768), "N must be an integer"},
      {altered(sealed, P("/kdf/params/N"), 32768.0), "N must be an integer"},
      {altered(sealed, P("/kdf/params/N"), "32768"), "N must be an integer"},
      {altered(sealed, P("/kdf/params/N"), 18446744073709551615ULL), "N must be an integer"},
      {altered(sealed, P("/kdf/params/r"), 1 << 20), "r must be an integer from 1 to 8"},
      {altered(sealed, P("/kdf/params/r"), 0), "r must be an integer from 1 to 8"},
      {altered(sealed, P("/kdf/params/p"), 1 << 30), "p must be an integer from 1 to 2"},
      {altered(sealed, P("/kdf/params/p"), 3), "p must be an integer from 1 to 2"},
      {altered(sealed, P("/kdf/salt"), "***"), "kdf.salt is not valid base64"},
      {altered(sealed, P("/kdf/salt"), ""), "kdf.salt has an implausible size"},
      {altered(sealed, P("/kdf/salt"), 5), "kdf.salt is missing or not a string"},
      {altered(sealed, P("/cipher/name"), "aes-gcm"), "unsupported cipher"},
      {altered(sealed, P("/cipher/nonce"), oci::base64_encode(std::string(23, 'n'))),
       "cipher.nonce is not 24 bytes"},
      {altered(sealed, P("/cipher/nonce"), "AAAA="), "cipher.nonce is not valid base64"},
      {altered(sealed, P("/ciphertext"), oci::base64_encode(ciphertext.substr(0, 15))),
       "ciphertext is truncated"},
      {altered(sealed, P("/ciphertext"), oci::base64_encode(std::string(70000, 'c'))), "too large"},
      {altered(sealed, P("/ciphertext"), nullptr), "ciphertext is missing"},
  };
  for (const auto& [text, expected] : cases) {
    auto opened = open_envelope(text, "pw");
    ASSERT_FALSE(opened) << text.substr(0, 300);
    EXPECT_NE(opened.error().message.find(expected), std::string::npos)
        << opened.error().message << " (wanted " << expected << ")";
  }
}

TEST(CosignEnvelope, TamperedCiphertextDoesNotOpen) {
  const std::string sealed = seal_envelope("secret", "pw");
  const Json envelope = Json::parse(sealed);
  std::string ciphertext = *oci::base64_decode(envelope["ciphertext"].get<std::string>());
  ciphertext.back() ^= 0x01;
  auto opened = open_envelope(
      altered(sealed, Json::json_pointer("/ciphertext"), oci::base64_encode(ciphertext)), "pw");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, oci::ErrorCode::kDenied);
  auto truncated =
      open_envelope(altered(sealed, Json::json_pointer("/ciphertext"),
                            oci::base64_encode(ciphertext.substr(0, ciphertext.size() - 1))),
                    "pw");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, oci::ErrorCode::kDenied);
}

}  // namespace
}  // namespace signature::internal
