#include "server/tls_context.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "server/peer_certificate.h"
#include "testsupport/temp_dir.h"

namespace server {
namespace {

namespace fs = std::filesystem;

// Certificates made with the openssl CLI, as an administrator would.
class TlsFiles : public testing::Test {
 protected:
  void openssl(const std::string& arguments) {
    const std::string command =
        "cd '" + dir_.path().string() + "' && openssl " + arguments + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  // NAME.key and a self-signed NAME.crt with `subject`.
  void self_signed(const std::string& name, const std::string& subject = "/CN=localhost") {
    openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -keyout " + name +
            ".key -out " + name + ".crt -subj '" + subject + "'");
  }
  TlsConfig config(const std::string& cert, const std::string& key) {
    TlsConfig tls;
    tls.cert = dir_ / cert;
    tls.key = dir_ / key;
    return tls;
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::string read(const std::string& name) {
    std::ostringstream out;
    out << std::ifstream(dir_ / name).rdbuf();
    return out.str();
  }

  testsupport::TempDir dir_;
};

TEST_F(TlsFiles, LoadsAMatchingPairAndDescribesItsCertificate) {
  self_signed("server");
  auto context = load_tls_context(config("server.crt", "server.key"));
  ASSERT_TRUE(context) << context.error().message;
  const std::string described = describe_certificate(**context);
  EXPECT_NE(described.find("CN = localhost"), std::string::npos) << described;
  EXPECT_NE(described.find("serial "), std::string::npos) << described;
  EXPECT_EQ(SSL_CTX_get_min_proto_version((*context)->native_handle()), TLS1_2_VERSION);
}

TEST_F(TlsFiles, AMissingFileIsNamed) {
  self_signed("server");
  auto context = load_tls_context(config("absent.crt", "server.key"));
  ASSERT_FALSE(context);
  EXPECT_NE(context.error().message.find("TLS certificate"), std::string::npos);
  EXPECT_NE(context.error().message.find((dir_ / "absent.crt").string()), std::string::npos)
      << context.error().message;
}

TEST_F(TlsFiles, AKeyOfAnotherCertificateIsRefusedNamingBoth) {
  self_signed("server");
  self_signed("other");
  auto context = load_tls_context(config("server.crt", "other.key"));
  ASSERT_FALSE(context);
  const std::string& message = context.error().message;
  EXPECT_NE(message.find((dir_ / "other.key").string() + ": the TLS key does not match"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find((dir_ / "server.crt").string()), std::string::npos) << message;
}

TEST_F(TlsFiles, NotACertificateSaysSoWithoutQuotingTheFile) {
  self_signed("server");
  // The key given as the certificate: the message must not show what it holds.
  auto context = load_tls_context(config("server.key", "server.key"));
  ASSERT_FALSE(context);
  const std::string& message = context.error().message;
  EXPECT_NE(message.find("no PEM certificate"), std::string::npos) << message;
  std::istringstream key(read("server.key"));
  for (std::string line; std::getline(key, line);) {
    if (line.starts_with("-----")) continue;
    EXPECT_EQ(message.find(line), std::string::npos) << "key material in: " << message;
  }
}

TEST_F(TlsFiles, AHalfWrittenCertificateIsRefused) {
  self_signed("server");
  const std::string pem = read("server.crt");
  write("half.crt", pem.substr(0, pem.size() / 2));
  EXPECT_FALSE(load_tls_context(config("half.crt", "server.key")));
}

TEST_F(TlsFiles, AnEncryptedKeyIsRefusedWithoutAsking) {
  self_signed("server");
  openssl("pkey -in server.key -aes256 -passout pass:secret -out encrypted.key");
  auto context = load_tls_context(config("server.crt", "encrypted.key"));
  ASSERT_FALSE(context);
  EXPECT_NE(context.error().message.find("encrypted"), std::string::npos)
      << context.error().message;
}

TEST_F(TlsFiles, TheChainAfterTheCertificateIsServedToo) {
  self_signed("server");
  self_signed("intermediate", "/CN=Intermediate");
  write("chain.crt", read("server.crt") + read("intermediate.crt"));
  auto context = load_tls_context(config("chain.crt", "server.key"));
  ASSERT_TRUE(context) << context.error().message;
  STACK_OF(X509)* chain = nullptr;
  // SSL_CTX_get0_chain_certs, without the macro's implicit conversion.
  SSL_CTX_ctrl((*context)->native_handle(), SSL_CTRL_GET_CHAIN_CERTS, 0,
               static_cast<void*>(&chain));
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(sk_X509_num(chain), 1);
}

TEST_F(TlsFiles, ClientCertificatesAreAskedForAsConfigured) {
  self_signed("server");
  self_signed("ca", "/CN=Client CA");
  TlsConfig tls = config("server.crt", "server.key");
  tls.client_ca = dir_ / "ca.crt";
  auto required = load_tls_context(tls);
  ASSERT_TRUE(required) << required.error().message;
  EXPECT_EQ(SSL_CTX_get_verify_mode((*required)->native_handle()),
            SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
  tls.client_auth = ClientAuth::kOptional;
  auto optional = load_tls_context(tls);
  ASSERT_TRUE(optional) << optional.error().message;
  EXPECT_EQ(SSL_CTX_get_verify_mode((*optional)->native_handle()), SSL_VERIFY_PEER);
  tls.client_ca = dir_ / "server.key";
  EXPECT_FALSE(load_tls_context(tls));
}

X509* read_certificate(const fs::path& file) {
  FILE* f = std::fopen(file.c_str(), "r");
  X509* certificate = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return certificate;
}

TEST_F(TlsFiles, TheUserIsTheOneCommonName) {
  self_signed("robot", "/O=Example/CN=ci-robot");
  self_signed("none", "/O=Example");
  self_signed("two", "/CN=alice/CN=bob");
  for (const auto& [name, want] : std::vector<std::pair<std::string, std::string>>{
           {"robot", "ci-robot"}, {"none", ""}, {"two", ""}}) {
    X509* certificate = read_certificate(dir_ / (name + ".crt"));
    ASSERT_NE(certificate, nullptr) << name;
    EXPECT_EQ(common_name(certificate), want) << name;
    X509_free(certificate);
  }
}

}  // namespace
}  // namespace server
