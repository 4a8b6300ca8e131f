#include "client/certs_d.h"

#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace client {
namespace {

namespace fs = std::filesystem;

class CertsDTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("certs-d-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void touch(const fs::path& relative) {
    fs::create_directories((root_ / relative).parent_path());
    std::ofstream(root_ / relative) << "x";
  }

  fs::path root_;
};

TEST_F(CertsDTest, DefaultRootsInContainersImageOrder) {
  EXPECT_EQ(default_certs_d_roots("/home/u"),
            (std::vector<fs::path>{"/home/u/.config/containers/certs.d", "/etc/containers/certs.d",
                                   "/etc/docker/certs.d"}));
  EXPECT_EQ(default_certs_d_roots("").size(), 2u);
}

TEST_F(CertsDTest, FirstRootHavingTheHostWinsAlone) {
  touch("user/reg.example:5000/user.crt");
  touch("etc-containers/reg.example:5000/system.crt");
  touch("etc-containers/other.example/other.crt");
  const std::vector<fs::path> roots = {root_ / "user", root_ / "etc-containers",
                                       root_ / "missing-root"};
  EXPECT_EQ(find_cert_dir(roots, "reg.example:5000"), root_ / "user/reg.example:5000");
  EXPECT_EQ(find_cert_dir(roots, "other.example"), root_ / "etc-containers/other.example");
  EXPECT_EQ(find_cert_dir(roots, "reg.example"), std::nullopt) << "host:port is the name";

  oci::Result<TlsTrust> trust = tls_trust_for("reg.example:5000", std::nullopt, roots);
  ASSERT_TRUE(trust) << trust.error().message;
  EXPECT_EQ(trust->ca_files, std::vector<fs::path>{root_ / "user/reg.example:5000/user.crt"})
      << "directories are not merged";
}

TEST_F(CertsDTest, ReadsCasAndClientPairInNameOrder) {
  touch("d/b.crt");
  touch("d/a.crt");
  touch("d/z-client.cert");
  touch("d/z-client.key");
  touch("d/b-client.cert");
  touch("d/b-client.key");
  touch("d/README");
  oci::Result<TlsTrust> trust = load_cert_dir(root_ / "d");
  ASSERT_TRUE(trust) << trust.error().message;
  EXPECT_EQ(trust->ca_files, (std::vector<fs::path>{root_ / "d/a.crt", root_ / "d/b.crt"}));
  EXPECT_EQ(trust->client_cert, root_ / "d/b-client.cert");
  EXPECT_EQ(trust->client_key, root_ / "d/b-client.key");
}

TEST_F(CertsDTest, UnpairedCertOrKeyIsAnError) {
  touch("c/client.cert");
  oci::Result<TlsTrust> cert_only = load_cert_dir(root_ / "c");
  ASSERT_FALSE(cert_only);
  EXPECT_NE(cert_only.error().message.find(
                "missing key client.key for client certificate client.cert. Note that CA "
                "certificates should use the extension .crt"),
            std::string::npos)
      << cert_only.error().message;

  touch("k/client.key");
  oci::Result<TlsTrust> key_only = load_cert_dir(root_ / "k");
  ASSERT_FALSE(key_only);
  EXPECT_NE(key_only.error().message.find("missing client certificate client.cert for key "
                                          "client.key"),
            std::string::npos)
      << key_only.error().message;
}

TEST_F(CertsDTest, MissingDirectoryMeansNoExtraTrust) {
  oci::Result<TlsTrust> trust = load_cert_dir(root_ / "nope");
  ASSERT_TRUE(trust);
  EXPECT_TRUE(trust->ca_files.empty());
  EXPECT_TRUE(trust->client_cert.empty());
  oci::Result<TlsTrust> none = tls_trust_for("x.example", std::nullopt, {root_});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->ca_files.empty());
}

TEST_F(CertsDTest, ExplicitCertDirReplacesTheLookup) {
  touch("roots/reg.example/from-roots.crt");
  touch("mine/mine.crt");
  oci::Result<TlsTrust> trust = tls_trust_for("reg.example", root_ / "mine", {root_ / "roots"});
  ASSERT_TRUE(trust);
  EXPECT_EQ(trust->ca_files, std::vector<fs::path>{root_ / "mine/mine.crt"});
}

// A node tree as `regmirror render` writes it (the golden output of its
// image-allowed-insecure-ca case) is trusted as is, under either certs.d root.
TEST_F(CertsDTest, RenderedNodeTreeIsTrusted) {
  const fs::path tree = fs::path(REGMIRROR_SOURCE_DIR) /
                        "src/openshift/testdata/render/image-allowed-insecure-ca/expected";
  ASSERT_TRUE(fs::exists(tree)) << tree;
  for (const char* root : {"etc/containers/certs.d", "etc/docker/certs.d"}) {
    SCOPED_TRACE(root);
    oci::Result<TlsTrust> trust =
        tls_trust_for("harbor.dc1.ocp.poc:8443", std::nullopt, {tree / root});
    ASSERT_TRUE(trust) << trust.error().message;
    ASSERT_EQ(trust->ca_files.size(), 1u);
    EXPECT_EQ(trust->ca_files[0].filename(), "ca.crt");
    // OpenSSL (what libcurl's CAINFO uses) loads it as a CA file.
    X509_STORE* store = X509_STORE_new();
    EXPECT_EQ(X509_STORE_load_file(store, trust->ca_files[0].c_str()), 1);
    X509_STORE_free(store);
  }
}

}  // namespace
}  // namespace client
