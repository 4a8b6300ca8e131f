#include "transfer/open_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "transfer/registry_store.h"

namespace transfer {
namespace {

namespace fs = std::filesystem;

class OpenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("open-store-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "certs.d");
    // Nothing from the machine running the test: no certs.d, an empty auth file.
    access_.certs_d_roots = {root_ / "certs.d"};
    write(root_ / "auth.json", R"({"auths": {}})");
    access_.authfile = root_ / "auth.json";
  }
  void TearDown() override { fs::remove_all(root_); }

  static void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }

  fs::path root_;
  AccessOptions access_;
};

TEST_F(OpenStoreTest, DockerReferenceOpensARepository) {
  StoreOpener opener(root_ / "state");
  oci::Result<StoreOpener::Opened> opened =
      opener.open("docker://127.0.0.1:5000/ns/app:1.0", access_, false);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened->store->describe(), "docker://127.0.0.1:5000/ns/app");
  EXPECT_EQ(opened->reference, "1.0");
  const auto* store = dynamic_cast<const RegistryStore*>(opened->store.get());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->host(), "127.0.0.1:5000");
  EXPECT_EQ(store->repository(), "ns/app");

  oci::Result<StoreOpener::Opened> hub = opener.open("docker://busybox", access_, false);
  ASSERT_TRUE(hub) << hub.error().message;
  EXPECT_EQ(hub->store->describe(), "docker://docker.io/library/busybox");
  EXPECT_EQ(hub->reference, "");
}

TEST_F(OpenStoreTest, BadNamesFail) {
  StoreOpener opener(root_ / "state");
  EXPECT_FALSE(opener.open("quay.io/app", access_, false));
  EXPECT_FALSE(opener.open("docker://quay.io/App", access_, false));
  EXPECT_FALSE(opener.open("dir:/tmp", access_, false));
}

TEST_F(OpenStoreTest, ClientsAreSharedPerHostAndSettings) {
  StoreOpener opener(root_ / "state");
  auto a = opener.client_for("a.example", access_);
  auto a2 = opener.client_for("a.example", access_);
  auto b = opener.client_for("b.example", access_);
  ASSERT_TRUE(a && a2 && b);
  EXPECT_EQ(a->get(), a2->get());
  EXPECT_NE(a->get(), b->get());
  EXPECT_EQ((*a)->options().host, "a.example");
  EXPECT_FALSE((*a)->options().insecure);

  AccessOptions plain = access_;
  plain.tls_verify = false;
  auto insecure = opener.client_for("a.example", plain);
  ASSERT_TRUE(insecure);
  EXPECT_NE(insecure->get(), a->get());
  EXPECT_TRUE((*insecure)->options().insecure);
}

TEST_F(OpenStoreTest, InsecureComesFromRegistriesConfUnlessTlsVerifyIsGiven) {
  nodeconf::RegistriesConf conf;
  nodeconf::Registry registry;
  registry.prefix = "insecure.example:5000";
  registry.endpoint.location = "insecure.example:5000";
  registry.endpoint.insecure = true;
  conf.registries.push_back(registry);
  nodeconf::Registry scoped;  // insecure only for one namespace
  scoped.prefix = "mixed.example/dev";
  scoped.endpoint.location = "mixed.example/dev";
  scoped.endpoint.insecure = true;
  conf.registries.push_back(scoped);
  access_.registries_conf = &conf;

  StoreOpener opener(root_ / "state");
  auto insecure = opener.client_for("insecure.example:5000", access_);
  auto secure = opener.client_for("secure.example", access_);
  ASSERT_TRUE(insecure && secure);
  EXPECT_TRUE((*insecure)->options().insecure);
  EXPECT_FALSE((*secure)->options().insecure);

  // Matched on the repository, as containers/image's FindRegistry.
  auto dev = opener.open("docker://mixed.example/dev/app", access_, false);
  auto prod = opener.open("docker://mixed.example/prod/app", access_, false);
  ASSERT_TRUE(dev && prod);
  auto* dev_store = dynamic_cast<RegistryStore*>(dev->store.get());
  auto* prod_store = dynamic_cast<RegistryStore*>(prod->store.get());
  ASSERT_TRUE(dev_store && prod_store);
  EXPECT_TRUE(dev_store->client()->options().insecure);
  EXPECT_FALSE(prod_store->client()->options().insecure);
  auto host_client = opener.client_for("mixed.example", access_);
  ASSERT_TRUE(host_client);
  EXPECT_FALSE((*host_client)->options().insecure)
      << "the host alone is not under mixed.example/dev";

  AccessOptions verify = access_;
  verify.tls_verify = true;
  auto forced = opener.client_for("insecure.example:5000", verify);
  ASSERT_TRUE(forced);
  EXPECT_FALSE((*forced)->options().insecure);
}

TEST_F(OpenStoreTest, TrustComesFromCertsDOrCertDir) {
  write(root_ / "certs.d/reg.example:8443/ca.crt", "x");
  write(root_ / "explicit/other.crt", "y");
  StoreOpener opener(root_ / "state");
  auto found = opener.client_for("reg.example:8443", access_);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ((*found)->options().trust.ca_files.size(), 1u);
  EXPECT_EQ((*found)->options().trust.ca_files[0], root_ / "certs.d/reg.example:8443/ca.crt");

  AccessOptions explicit_dir = access_;
  explicit_dir.cert_dir = root_ / "explicit";
  auto given = opener.client_for("reg.example:8443", explicit_dir);
  ASSERT_TRUE(given);
  ASSERT_EQ((*given)->options().trust.ca_files.size(), 1u);
  EXPECT_EQ((*given)->options().trust.ca_files[0], root_ / "explicit/other.crt");

  write(root_ / "certs.d/broken.example/client.cert", "z");
  auto broken = opener.client_for("broken.example", access_);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("missing key client.key"), std::string::npos);
}

TEST_F(OpenStoreTest, CredentialsFromFlagOrAuthFile) {
  write(root_ / "auth.json",
        R"({"auths": {"reg.example": {"auth": "dXNlcjpwYXNz"}},
            "credHelpers": {"helper.example": "secretservice"}})");
  StoreOpener opener(root_ / "state");
  auto from_file = opener.client_for("reg.example", access_);
  ASSERT_TRUE(from_file) << from_file.error().message;
  const client::CredentialLookup& lookup = (*from_file)->options().credentials;
  ASSERT_TRUE(lookup);
  std::optional<client::Credentials> found = lookup("ns/app");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, "user");
  EXPECT_EQ(found->password, "pass");
  EXPECT_FALSE((*opener.client_for("other.example", access_))->options().credentials("x"));

  AccessOptions given = access_;
  given.credentials = client::Credentials{"flag-user", "flag-pass", ""};
  auto from_flag = opener.client_for("reg.example", given);
  ASSERT_TRUE(from_flag);
  EXPECT_EQ((*from_flag)->options().credentials("ns/app")->username, "flag-user");

  auto helper = opener.client_for("helper.example", access_);
  ASSERT_FALSE(helper);
  EXPECT_EQ(helper.error().code, oci::ErrorCode::kUnsupported);
  EXPECT_NE(helper.error().message.find("docker-credential-secretservice"), std::string::npos);
}

TEST_F(OpenStoreTest, OciLayoutOpensADirectory) {
  StoreOpener opener(root_ / "state");
  oci::Result<StoreOpener::Opened> written =
      opener.open("oci:" + (root_ / "layout").string() + ":app-1", access_, true);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(written->reference, "app-1");
  EXPECT_EQ(written->store->describe(), "oci:" + (root_ / "layout").string());
}

TEST_F(OpenStoreTest, OciArchiveOpensAFile) {
  StoreOpener opener(root_ / "state");
  const std::string file = (root_ / "app.tar").string();
  oci::Result<StoreOpener::Opened> written = opener.open("oci-archive:" + file, access_, true);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(written->store->describe(), "oci-archive:" + file);
  EXPECT_FALSE(opener.open("oci-archive:" + (root_ / "missing.tar").string(), access_, false))
      << "reading needs the archive";
}

}  // namespace
}  // namespace transfer
