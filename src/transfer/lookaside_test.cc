// read_lookaside_signatures over file:// directories and HTTP(S) servers on loopback
// (python3's http.server over the same layout).
#include "transfer/lookaside.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "client/test_servers.h"
#include "nodeconf/signature_payload.h"
#include "testsupport/free_port.h"
#include "testsupport/temp_dir.h"

namespace transfer {
namespace {

namespace fs = std::filesystem;

const oci::Digest kDigest =
    *oci::Digest::parse("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
constexpr std::string_view kRepository = "registry.test/ns/app";

// Bytes that start as an OpenPGP compressed message does (0xA3), as skopeo writes them.
std::string gpg_like(std::string_view text) {
  std::string bytes = "\xa3";
  bytes.append(text);
  return bytes;
}

class LookasideTest : public ::testing::Test {
 protected:
  // The directory of kRepository's kDigest signatures under the lookaside root.
  fs::path signature_dir() const {
    return dir_ / "ns" / ("app@sha256=" + std::string(kDigest.hex()));
  }
  void put(int n, std::string_view bytes) const {
    fs::create_directories(signature_dir());
    std::ofstream(signature_dir() / ("signature-" + std::to_string(n)), std::ios::binary) << bytes;
  }
  nodeconf::RegistriesD config_for(const std::string& base) const {
    oci::Result<nodeconf::RegistriesD> config = nodeconf::RegistriesD::parse(
        "docker:\n  registry.test/ns:\n    lookaside: " + base + "\n", "test.yaml");
    EXPECT_TRUE(config) << config.error().message;
    return config ? *config : nodeconf::RegistriesD();
  }
  oci::Result<std::vector<std::string>> read(const std::string& base) const {
    return read_lookaside_signatures(config_for(base), kRepository, kDigest, AccessOptions{});
  }
  std::string file_base() const { return "file://" + dir_.path().string(); }

  testsupport::TempDir dir_;
};

TEST_F(LookasideTest, ReadsFileSignaturesUntilTheFirstMissingOne) {
  put(1, gpg_like("one"));
  put(2, gpg_like("two"));
  put(4, gpg_like("after a gap"));
  oci::Result<std::vector<std::string>> signatures = read(file_base());
  ASSERT_TRUE(signatures) << signatures.error().message;
  EXPECT_EQ(*signatures, (std::vector<std::string>{gpg_like("one"), gpg_like("two")}));
}

TEST_F(LookasideTest, NoSignaturesIsAnEmptyList) {
  oci::Result<std::vector<std::string>> signatures = read(file_base());
  ASSERT_TRUE(signatures) << signatures.error().message;
  EXPECT_TRUE(signatures->empty());
}

TEST_F(LookasideTest, UnwrapsTheNewerBlobFormat) {
  put(1, std::string("\0simple-signing\n", 16) + gpg_like("wrapped"));
  put(2, std::string("\0sigstore-json\n{}", 17));
  put(3, gpg_like("bare"));
  oci::Result<std::vector<std::string>> signatures = read(file_base());
  ASSERT_TRUE(signatures) << signatures.error().message;
  EXPECT_EQ(*signatures, (std::vector<std::string>{gpg_like("wrapped"), gpg_like("bare")}));
}

TEST_F(LookasideTest, RefusesBlobsThatAreNoSignatureFormat) {
  for (const std::string& junk :
       {std::string(), std::string("<html>not found</html>"), std::string("\0no newline", 11),
        std::string("\0x-unknown\nbody", 15)}) {
    testsupport::TempDir other;
    const fs::path sig_dir = other / "ns" / ("app@sha256=" + std::string(kDigest.hex()));
    fs::create_directories(sig_dir);
    std::ofstream(sig_dir / "signature-1", std::ios::binary) << junk;
    oci::Result<std::vector<std::string>> signatures = read_lookaside_signatures(
        config_for("file://" + other.path().string()), kRepository, kDigest, AccessOptions{});
    EXPECT_FALSE(signatures) << junk;
  }
}

TEST_F(LookasideTest, RefusesAnOversizedSignature) {
  put(1, gpg_like(std::string(nodeconf::kMaxSignatureSize, 'x')));
  oci::Result<std::vector<std::string>> signatures = read(file_base());
  ASSERT_FALSE(signatures);
  EXPECT_NE(signatures.error().message.find("larger than"), std::string::npos);
}

TEST_F(LookasideTest, RefusesAnEndlessLookaside) {
  for (int n = 1; n <= kMaxLookasideSignatures + 1; ++n) put(n, gpg_like("s"));
  oci::Result<std::vector<std::string>> signatures = read(file_base());
  ASSERT_FALSE(signatures);
  EXPECT_NE(signatures.error().message.find("assuming that's unreasonable"), std::string::npos);
}

TEST_F(LookasideTest, RefusesOtherSchemes) {
  oci::Result<std::vector<std::string>> signatures = read("ftp://example.test/sigs");
  ASSERT_FALSE(signatures);
  EXPECT_NE(signatures.error().message.find("Unsupported scheme"), std::string::npos);
}

TEST_F(LookasideTest, ReadsHttpSignaturesUntilA404) {
  const auto python = client::testing::find_program("python3");
  if (!python) GTEST_SKIP() << "python3 is not installed";
  put(1, gpg_like("one"));
  put(2, gpg_like("two"));
  testsupport::TempDir logs;
  const int port = testsupport::free_port();
  client::testing::Server server({python->string(), "-m", "http.server", "--bind", "127.0.0.1",
                                  "--directory", dir_.path().string(), std::to_string(port)},
                                 logs / "http.log", port);
  ASSERT_TRUE(server.wait_ready()) << server.log_tail();

  oci::Result<std::vector<std::string>> signatures =
      read("http://127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(signatures) << signatures.error().message;
  EXPECT_EQ(*signatures, (std::vector<std::string>{gpg_like("one"), gpg_like("two")}));
}

// The lookaside over HTTPS (python3's http.server with a self-signed certificate): read with
// the TLS settings of the image's registry, as containers/image reads it with the registry's
// client: refused untrusted, read with --tls-verify=false, an extra CA file, or the CA in the
// registry host's certs.d directory (not the lookaside host's).
TEST_F(LookasideTest, ReadsHttpsWithTheRegistrysTrust) {
  const auto python = client::testing::find_program("python3");
  const auto openssl = client::testing::find_program("openssl");
  if (!python || !openssl) GTEST_SKIP() << "python3 or openssl is not installed";
  put(1, gpg_like("one"));
  testsupport::TempDir tls;
  const std::string command = openssl->string() +
                              " req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
                              " -addext subjectAltName=IP:127.0.0.1 -keyout '" +
                              (tls / "key.pem").string() + "' -out '" +
                              (tls / "cert.pem").string() + "' 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::ofstream(tls / "serve.py") << R"PY(
import functools, http.server, ssl, sys
port, directory, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
server = http.server.HTTPServer(("127.0.0.1", port), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
)PY";
  const int port = testsupport::free_port();
  client::testing::Server server(
      {python->string(), (tls / "serve.py").string(), std::to_string(port), dir_.path().string(),
       (tls / "cert.pem").string(), (tls / "key.pem").string()},
      tls / "https.log", port);
  ASSERT_TRUE(server.wait_ready()) << server.log_tail();
  const nodeconf::RegistriesD config = config_for("https://127.0.0.1:" + std::to_string(port));
  const auto read_with = [&](const AccessOptions& access) {
    return read_lookaside_signatures(config, kRepository, kDigest, access);
  };
  AccessOptions untrusted;
  untrusted.certs_d_roots = {tls / "no-certs.d"};
  oci::Result<std::vector<std::string>> refused = read_with(untrusted);
  ASSERT_FALSE(refused) << "read over HTTPS without trusting the certificate";
  EXPECT_NE(refused.error().message.find("certificate"), std::string::npos)
      << refused.error().message;

  AccessOptions insecure = untrusted;
  insecure.tls_verify = false;
  AccessOptions extra_ca = untrusted;
  extra_ca.ca_files = {tls / "cert.pem"};
  AccessOptions certs_d;
  certs_d.certs_d_roots = {tls / "certs.d"};
  fs::create_directories(tls / "certs.d" / "registry.test");
  fs::copy_file(tls / "cert.pem", tls / "certs.d" / "registry.test" / "ca.crt");
  for (const AccessOptions* access : {&insecure, &extra_ca, &certs_d}) {
    oci::Result<std::vector<std::string>> signatures = read_with(*access);
    ASSERT_TRUE(signatures) << signatures.error().message;
    EXPECT_EQ(*signatures, std::vector<std::string>{gpg_like("one")});
  }
}

}  // namespace
}  // namespace transfer
