#include "signature/private_key.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "oci/base64.h"
#include "signature/cosign_envelope.h"
#include "signature/test_data.h"
#include "sys/terminal_prompt.h"
#include "testsupport/temp_dir.h"

namespace signature {
namespace {

using testing::read_testdata;

const std::string kPayload = R"({"critical":{"type":"cosign container image signature"}})";

// The public key as OpenSSL itself reads the PEM, independent of PublicKey.
bool openssl_verifies(const std::string& public_pem, const std::string& payload,
                      const std::string& signature) {
  BIO* bio = BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(payload.data()),
                       payload.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

TEST(PrivateKey, GeneratesP256KeysThatSignAsCosign) {
  const PrivateKey key = PrivateKey::generate();
  const std::string pem = key.public_pem();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PUBLIC KEY-----\n")) << pem;
  const std::string signature = key.sign(kPayload);
  EXPECT_EQ(signature[0], '\x30');  // an ASN.1 SEQUENCE (r, s)
  EXPECT_TRUE(openssl_verifies(pem, kPayload, signature));
  EXPECT_FALSE(openssl_verifies(pem, kPayload + " ", signature));
  EXPECT_TRUE(key.public_key().verifies(kPayload, signature));
  EXPECT_NE(PrivateKey::generate().public_pem(), pem);

  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* parsed = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(parsed, nullptr);
  char group[32] = {};
  std::size_t length = 0;
  EVP_PKEY_get_utf8_string_param(parsed, "group", group, sizeof group, &length);
  EXPECT_STREQ(group, "prime256v1");
  EVP_PKEY_free(parsed);
}

TEST(PrivateKey, CosignFileRoundTrips) {
  const PrivateKey key = PrivateKey::generate();
  const std::string file = key.to_cosign_pem("s3cret");
  EXPECT_TRUE(file.starts_with("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n")) << file;
  EXPECT_TRUE(file.ends_with("-----END ENCRYPTED COSIGN PRIVATE KEY-----\n")) << file;
  auto read = PrivateKey::from_cosign_pem(file, "s3cret");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->public_pem(), key.public_pem());
  EXPECT_TRUE(key.public_key().verifies(kPayload, read->sign(kPayload)));

  auto wrong = PrivateKey::from_cosign_pem(file, "s3cret ");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, oci::ErrorCode::kDenied);
  EXPECT_NE(wrong.error().message.find("wrong passphrase"), std::string::npos);
}

TEST(PrivateKey, EmptyPassphraseWorksAsCosigns) {
  const PrivateKey key = PrivateKey::generate();
  auto read = PrivateKey::from_cosign_pem(key.to_cosign_pem(""), "");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->public_pem(), key.public_pem());
}

// The file's base64 lines are 64 columns and hold cosign's JSON envelope, as cosign writes it.
TEST(PrivateKey, WritesTheEnvelopeCosignWrites) {
  const std::string file = PrivateKey::generate().to_cosign_pem("pw");
  std::string body;
  std::size_t start = file.find('\n') + 1;
  for (std::size_t end; (end = file.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = file.substr(start, end - start);
    if (line.starts_with("-----END")) break;
    EXPECT_LE(line.size(), 64u);
    body += line;
  }
  const auto json = oci::base64_decode(body);
  ASSERT_TRUE(json);
  EXPECT_TRUE(json->starts_with(R"({"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},)"))
      << *json;
}

TEST(PrivateKey, DecryptsCosignsOwnKeyFiles) {
  // testdata/README.md: key files from cosign's own tests, passphrase "hello".
  auto sigstore = PrivateKey::from_cosign_pem(read_testdata("sigstore-hello.key"), "hello");
  ASSERT_TRUE(sigstore) << sigstore.error().message;
  EXPECT_TRUE(sigstore->public_key().verifies(kPayload, sigstore->sign(kPayload)));
  EXPECT_TRUE(openssl_verifies(sigstore->public_pem(), kPayload, sigstore->sign(kPayload)));

  auto rsa = PrivateKey::from_cosign_pem(read_testdata("cosign-rsa-hello.key"), "hello");
  ASSERT_TRUE(rsa) << rsa.error().message;  // cosign 1.x's PEM type, an RSA key inside
  const std::string rsa_signature = rsa->sign(kPayload);
  EXPECT_TRUE(rsa->public_key().verifies(kPayload, rsa_signature));
  EXPECT_TRUE(openssl_verifies(rsa->public_pem(), kPayload, rsa_signature));

  auto wrong = PrivateKey::from_cosign_pem(read_testdata("sigstore-hello.key"), "Hello");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, oci::ErrorCode::kDenied);

  // N = 65536 is accepted; the plaintext inside is SEC1, which cosign refuses too.
  auto sec1 = PrivateKey::from_cosign_pem(read_testdata("cosign-ec-sec1-hello.key"), "hello");
  ASSERT_FALSE(sec1);
  EXPECT_NE(sec1.error().message.find("not PKCS#8"), std::string::npos) << sec1.error().message;
}

TEST(PrivateKey, OurFileDecodesThroughTheSamePathAsCosigns) {
  // Re-encrypting cosign's key gives a file that reads back to the same key.
  auto theirs = PrivateKey::from_cosign_pem(read_testdata("sigstore-hello.key"), "hello");
  ASSERT_TRUE(theirs);
  auto ours = PrivateKey::from_cosign_pem(theirs->to_cosign_pem("hello"), "hello");
  ASSERT_TRUE(ours);
  EXPECT_EQ(ours->public_pem(), theirs->public_pem());
}

std::string pem(std::string_view type, std::string_view body) {
  return "-----BEGIN " + std::string(type) + "-----\n" + oci::base64_encode(body) + "\n-----END " +
         std::string(type) + "-----\n";
}

TEST(PrivateKey, RefusesFilesThatAreNotCosignKeys) {
  const PrivateKey key = PrivateKey::generate();
  BIO* bio = BIO_new(BIO_s_mem());
  EVP_PKEY* plain = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  PEM_write_bio_PrivateKey(bio, plain, nullptr, nullptr, 0, nullptr, nullptr);
  char* bytes = nullptr;
  const std::string unencrypted(bytes, static_cast<std::size_t>(BIO_get_mem_data(bio, &bytes)));
  BIO_free(bio);
  EVP_PKEY_free(plain);
  const std::string envelope_of_garbage =
      R"({"kdf":{"name":"scrypt","params":{"N":1024,"r":8,"p":1},"salt":"c2FsdA=="},"cipher":{"name":"nacl/secretbox","nonce":")" +
      oci::base64_encode(std::string(24, 'n')) + R"("},"ciphertext":")" +
      oci::base64_encode(std::string(40, 'c')) + R"("})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "no PEM block"},
      {"garbage\n", "no PEM block"},
      {unencrypted, "PEM type \"PRIVATE KEY\""},
      {key.public_pem(), "PEM type \"PUBLIC KEY\""},
      {pem("ENCRYPTED SIGSTORE PRIVATE KEY", "not json"), "not a JSON object"},
      {"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n%%%%\n"
       "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
       "no PEM block"},
      {pem("ENCRYPTED SIGSTORE PRIVATE KEY", envelope_of_garbage), "wrong passphrase"},
  };
  for (const auto& [text, expected] : cases) {
    auto read = PrivateKey::from_cosign_pem(text, "pw");
    ASSERT_FALSE(read) << text;
    EXPECT_NE(read.error().message.find(expected), std::string::npos)
        << read.error().message << " (wanted " << expected << ")";
  }
}

TEST(PrivateKey, RefusesWellEncryptedPlaintextsThatAreNotSigningKeys) {
  // A PKCS#8 X25519 key (sigstore does not sign with it), and PKCS#8 with bytes after it.
  EVP_PKEY* x25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(x25519);
  unsigned char* der = nullptr;
  const int length = i2d_PKCS8_PRIV_KEY_INFO(info, &der);
  const std::string pkcs8(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  PKCS8_PRIV_KEY_INFO_free(info);
  EVP_PKEY_free(x25519);
  const auto sealed = [](const std::string& plaintext) {
    return pem("ENCRYPTED SIGSTORE PRIVATE KEY", internal::seal_envelope(plaintext, "pw"));
  };
  auto x = PrivateKey::from_cosign_pem(sealed(pkcs8), "pw");
  ASSERT_FALSE(x);
  EXPECT_NE(x.error().message.find("unsupported private key"), std::string::npos)
      << x.error().message;
  auto trailing = PrivateKey::from_cosign_pem(sealed(pkcs8 + "x"), "pw");
  ASSERT_FALSE(trailing);
  EXPECT_NE(trailing.error().message.find("not PKCS#8"), std::string::npos);
  auto empty = PrivateKey::from_cosign_pem(sealed(""), "pw");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("not PKCS#8"), std::string::npos);
}

class LoadPrivateKey : public ::testing::Test {
 protected:
  void SetUp() override { ::unsetenv(kPassphraseEnvironment); }
  void TearDown() override { ::unsetenv(kPassphraseEnvironment); }
  std::filesystem::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  testsupport::TempDir dir_;
  PrivateKey key_ = PrivateKey::generate();
};

TEST_F(LoadPrivateKey, TakesThePassphraseFileFirstLine) {
  const auto file = write("k.key", key_.to_cosign_pem("from file"));
  const auto passphrase = write("pass", "from file\nsecond line\n");
  ::setenv(kPassphraseEnvironment, "from env", 1);
  auto read = load_private_key(file, passphrase);
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ(read->public_pem(), key_.public_pem());
  EXPECT_TRUE(load_private_key(file, write("crlf", "from file\r\n")));
  EXPECT_TRUE(load_private_key(file, write("bare", "from file")));
}

TEST_F(LoadPrivateKey, ThenTheEnvironmentThenNothing) {
  if (sys::stdin_is_terminal()) GTEST_SKIP() << "stdin is a terminal: it would prompt";
  const auto with_passphrase = write("k.key", key_.to_cosign_pem("from env"));
  const auto without = write("empty.key", key_.to_cosign_pem(""));
  ::setenv(kPassphraseEnvironment, "from env", 1);
  EXPECT_TRUE(load_private_key(with_passphrase, std::nullopt));
  ::setenv(kPassphraseEnvironment, "", 1);  // set but empty: the empty passphrase
  EXPECT_TRUE(load_private_key(without, std::nullopt));
  EXPECT_TRUE(load_private_key(without, write("empty-line", "\n")));
  ::unsetenv(kPassphraseEnvironment);
  // Nobody to ask (ctest's stdin is not a terminal): no passphrase at all, said as such,
  // rather than the empty one tried and "wrong passphrase".
  for (const auto& file : {with_passphrase, without}) {
    auto refused = load_private_key(file, std::nullopt);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message,
              "no passphrase: use --sign-passphrase-file or REGMIRROR_KEY_PASSPHRASE");
  }
  ::setenv(kPassphraseEnvironment, "not it", 1);
  auto wrong = load_private_key(with_passphrase, std::nullopt);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find(with_passphrase.string() + ": wrong passphrase"),
            std::string::npos)
      << wrong.error().message;
}

TEST_F(LoadPrivateKey, NamesMissingFiles) {
  const auto file = write("k.key", key_.to_cosign_pem(""));
  auto no_key = load_private_key(dir_ / "nope.key", std::nullopt);
  ASSERT_FALSE(no_key);
  EXPECT_NE(no_key.error().message.find("nope.key"), std::string::npos) << no_key.error().message;
  auto no_passphrase = load_private_key(file, dir_ / "nope.pass");
  ASSERT_FALSE(no_passphrase);
  EXPECT_NE(no_passphrase.error().message.find("passphrase file"), std::string::npos);
  EXPECT_FALSE(load_private_key("/dev/zero", std::nullopt));
}

}  // namespace
}  // namespace signature
