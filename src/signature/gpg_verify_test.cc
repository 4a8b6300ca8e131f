// verify_gpg_signature against messages signed by real gpg (what skopeo's gpgme signing runs):
// throwaway keys made with gpg --batch in a temporary GNUPGHOME once for the suite.
#include "signature/gpg_verify.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "nodeconf/signature_payload.h"
#include "oci/base64.h"
#include "testsupport/temp_dir.h"

namespace signature {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The payload skopeo signs ("atomic container signature", containers/image's simple signing).
constexpr std::string_view kPayload =
    R"({"critical":{"identity":{"docker-reference":"127.0.0.1:5000/app:v1"},"image":{)"
    R"("docker-manifest-digest":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},)"
    R"("type":"atomic container signature"},"optional":{"creator":"test","timestamp":1700000000}})";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Runs a shell command, throwing when it fails; returns its standard output.
std::string run(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) throw std::runtime_error("popen: " + command);
  std::string out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) out.append(buffer, n);
  if (::pclose(pipe.release()) != 0) throw std::runtime_error("failed: " + command);
  return out;
}

// A GNUPGHOME of throwaway keys that signs like `skopeo copy --sign-by`.
class Keyring {
 public:
  explicit Keyring(fs::path home) : home_(std::move(home)) {
    fs::create_directories(home_);
    fs::permissions(home_, fs::perms::owner_all);
  }
  ~Keyring() { std::system(("gpgconf --homedir '" + home_.string() + "' --kill all").c_str()); }

  std::string gpg(const std::string& arguments) const {
    return run("gpg --homedir '" + home_.string() +
               "' --batch --quiet --pinentry-mode loopback --passphrase '' " + arguments +
               " 2>/dev/null");
  }
  // A new key for `email`; returns its fingerprint. `options` go before --quick-gen-key.
  std::string generate(const std::string& email, const std::string& options = "",
                       const std::string& expiry = "never") const {
    gpg(options + " --quick-gen-key '" + email + " <" + email + ">' default default " + expiry);
    return fingerprint(email);
  }
  std::string fingerprint(const std::string& email) const {
    std::istringstream lines(gpg("--with-colons --list-keys '<" + email + ">'"));
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("fpr:")) return line.substr(12, line.find(':', 12) - 12);
    }
    throw std::runtime_error("no fingerprint for " + email);
  }
  // The public key, binary (as `gpg --export` writes key files) or armored.
  std::string export_key(const std::string& who, bool armor = false) const {
    return gpg(std::string(armor ? "--armor " : "") + "--export '" + who + "'");
  }
  std::string sign(std::string_view payload, const std::string& signers,
                   const std::string& options = "") const {
    write_file(home_ / "payload", payload);
    const fs::path out = home_ / "signed";
    fs::remove(out);
    gpg(options + " " + signers + " --output '" + out.string() + "' --sign '" +
        (home_ / "payload").string() + "'");
    return read_file(out);
  }
  const fs::path& home() const { return home_; }

 private:
  fs::path home_;
};

json key_path_requirement(const fs::path& path) {
  return json{{"type", "signedBy"}, {"keyType", "GPGKeys"}, {"keyPath", path.string()}};
}

class GpgVerifyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testsupport::TempDir();
    keys_ = new Keyring(dir_->path() / "gnupg");
    trusted_fpr_ = keys_->generate("trusted@test");
    other_fpr_ = keys_->generate("other@test");
    write_file(dir_->path() / "trusted.gpg", keys_->export_key(trusted_fpr_));
    write_file(dir_->path() / "other.gpg", keys_->export_key(other_fpr_));
  }
  static void TearDownTestSuite() {
    delete keys_;
    delete dir_;
  }
  void SetUp() override {
    // Temporary GNUPGHOMEs go under a directory of this test's, so their removal shows.
    scratch_ = std::make_unique<testsupport::TempDir>();
    const char* old = std::getenv("TMPDIR");
    old_tmpdir_ = old != nullptr ? std::optional<std::string>(old) : std::nullopt;
    ::setenv("TMPDIR", scratch_->path().c_str(), 1);
  }
  void TearDown() override {
    for (const fs::directory_entry& left : fs::directory_iterator(scratch_->path())) {
      ADD_FAILURE() << "left behind: " << left.path();
    }
    if (old_tmpdir_) {
      ::setenv("TMPDIR", old_tmpdir_->c_str(), 1);
    } else {
      ::unsetenv("TMPDIR");
    }
  }
  static fs::path path(std::string_view name) { return dir_->path() / name; }

  static testsupport::TempDir* dir_;
  static Keyring* keys_;
  static std::string trusted_fpr_;
  static std::string other_fpr_;
  std::unique_ptr<testsupport::TempDir> scratch_;
  std::optional<std::string> old_tmpdir_;
};
testsupport::TempDir* GpgVerifyTest::dir_ = nullptr;
Keyring* GpgVerifyTest::keys_ = nullptr;
std::string GpgVerifyTest::trusted_fpr_;
std::string GpgVerifyTest::other_fpr_;

TEST_F(GpgVerifyTest, AcceptsAValidSignatureAndReturnsThePayload) {
  const std::string signature = keys_->sign(kPayload, "-u " + trusted_fpr_);
  oci::Result<std::string> payload =
      verify_gpg_signature(key_path_requirement(path("trusted.gpg")), signature);
  ASSERT_TRUE(payload) << payload.error().message;
  EXPECT_EQ(*payload, kPayload);
}

TEST_F(GpgVerifyTest, AcceptsKeyPathsAndArmoredKeyData) {
  const std::string signature = keys_->sign(kPayload, "-u " + trusted_fpr_);
  json paths = {{"type", "signedBy"},
                {"keyType", "GPGKeys"},
                {"keyPaths", {path("other.gpg").string(), path("trusted.gpg").string()}}};
  oci::Result<std::string> by_paths = verify_gpg_signature(paths, signature);
  ASSERT_TRUE(by_paths) << by_paths.error().message;
  EXPECT_EQ(*by_paths, kPayload);

  json data = {{"type", "signedBy"},
               {"keyType", "GPGKeys"},
               {"keyData", oci::base64_encode(keys_->export_key(trusted_fpr_, true))}};
  oci::Result<std::string> by_data = verify_gpg_signature(data, signature);
  ASSERT_TRUE(by_data) << by_data.error().message;
  EXPECT_EQ(*by_data, kPayload);
}

TEST_F(GpgVerifyTest, RefusesASignatureByAnotherKey) {
  const std::string signature = keys_->sign(kPayload, "-u " + other_fpr_);
  oci::Result<std::string> payload =
      verify_gpg_signature(key_path_requirement(path("trusted.gpg")), signature);
  ASSERT_FALSE(payload);
  EXPECT_EQ(payload.error().code, oci::ErrorCode::kDenied);
  EXPECT_NE(payload.error().message.find("not one of the requirement's keys"), std::string::npos)
      << payload.error().message;
}

TEST_F(GpgVerifyTest, RefusesATamperedPayload) {
  std::string signature = keys_->sign(kPayload, "-u " + trusted_fpr_, "--compress-algo none");
  const auto at = signature.find("127.0.0.1:5000/app");
  ASSERT_NE(at, std::string::npos);
  signature[at] = '9';  // same length, other repository
  oci::Result<std::string> payload =
      verify_gpg_signature(key_path_requirement(path("trusted.gpg")), signature);
  ASSERT_FALSE(payload);
  EXPECT_NE(payload.error().message.find("bad signature"), std::string::npos)
      << payload.error().message;
}

TEST_F(GpgVerifyTest, RefusesTwoSignaturesInOneMessage) {
  const std::string signature = keys_->sign(kPayload, "-u " + trusted_fpr_ + " -u " + other_fpr_);
  oci::Result<std::string> payload =
      verify_gpg_signature(key_path_requirement(path("trusted.gpg")), signature);
  ASSERT_FALSE(payload);
  EXPECT_EQ(payload.error().message, "Unexpected GPG signature count 2");
}

TEST_F(GpgVerifyTest, RefusesAnExpiredKey) {
  Keyring old(dir_->path() / "expired-home");
  const std::string fpr = old.generate("expired@test", "--faked-system-time 20200101T000000", "2d");
  write_file(path("expired.gpg"), old.export_key(fpr));
  const std::string signature =
      old.sign(kPayload, "-u " + fpr, "--faked-system-time 20200102T000000");
  oci::Result<std::string> payload =
      verify_gpg_signature(key_path_requirement(path("expired.gpg")), signature);
  ASSERT_FALSE(payload);
  EXPECT_NE(payload.error().message.find("has expired"), std::string::npos)
      << payload.error().message;
}

TEST_F(GpgVerifyTest, RefusesARevokedKey) {
  Keyring revoking(dir_->path() / "revoked-home");
  const std::string fpr = revoking.generate("revoked@test");
  const std::string signature = revoking.sign(kPayload, "-u " + fpr);
  // gpg writes a revocation certificate for every new key, its armor lines guarded by ':'.
  std::string certificate = read_file(revoking.home() / "openpgp-revocs.d" / (fpr + ".rev"));
  certificate.replace(certificate.find(":-----BEGIN"), 1, "");
  write_file(revoking.home() / "revocation", certificate);
  revoking.gpg("--import '" + (revoking.home() / "revocation").string() + "'");
  write_file(path("revoked.gpg"), revoking.export_key(fpr));

  oci::Result<std::string> payload =
      verify_gpg_signature(key_path_requirement(path("revoked.gpg")), signature);
  ASSERT_FALSE(payload);
  EXPECT_NE(payload.error().message.find("revoked"), std::string::npos) << payload.error().message;
}

TEST_F(GpgVerifyTest, AcceptsASigningSubkeyOfATrustedKey) {
  Keyring with_subkey(dir_->path() / "subkey-home");
  const std::string fpr = with_subkey.generate("subkey@test");
  with_subkey.gpg("--quick-add-key " + fpr + " ed25519 sign");
  std::string subkey;
  std::istringstream lines(with_subkey.gpg("--with-colons --list-keys " + fpr));
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("fpr:")) subkey = line.substr(12, line.find(':', 12) - 12);
  }
  ASSERT_NE(subkey, fpr);
  write_file(path("with-subkey.gpg"), with_subkey.export_key(fpr));
  const std::string signature = with_subkey.sign(kPayload, "-u '" + subkey + "!'");
  oci::Result<std::string> payload =
      verify_gpg_signature(key_path_requirement(path("with-subkey.gpg")), signature);
  ASSERT_TRUE(payload) << payload.error().message;
  EXPECT_EQ(*payload, kPayload);
}

TEST_F(GpgVerifyTest, RefusesMessagesThatAreNotSignatures) {
  for (const std::string& junk :
       {std::string(), std::string("not a signature"), std::string(100, '\xa3'),
        keys_->sign(kPayload, "-u " + trusted_fpr_).substr(0, 40)}) {
    oci::Result<std::string> payload =
        verify_gpg_signature(key_path_requirement(path("trusted.gpg")), junk);
    EXPECT_FALSE(payload) << "accepted " << junk.size() << " bytes";
  }
}

TEST_F(GpgVerifyTest, RefusesAnOversizedSignatureUnread) {
  const std::string huge(nodeconf::kMaxSignatureSize + 1, 'x');
  oci::Result<std::string> payload =
      verify_gpg_signature(key_path_requirement(path("trusted.gpg")), huge);
  ASSERT_FALSE(payload);
  EXPECT_NE(payload.error().message.find("signature larger than"), std::string::npos);
}

TEST_F(GpgVerifyTest, RefusesAPayloadThatDecompressesBeyondTheLimit) {
  const std::string bomb =
      keys_->sign(std::string(std::size_t{16} << 20, '0'), "-u " + trusted_fpr_);
  ASSERT_LT(bomb.size(), nodeconf::kMaxSignatureSize);
  oci::Result<std::string> payload =
      verify_gpg_signature(key_path_requirement(path("trusted.gpg")), bomb);
  ASSERT_FALSE(payload);
  EXPECT_NE(payload.error().message.find("payload larger than"), std::string::npos)
      << payload.error().message;
}

TEST_F(GpgVerifyTest, ExplainsKeysThatCannotBeUsed) {
  const std::string signature = keys_->sign(kPayload, "-u " + trusted_fpr_);

  oci::Result<std::string> missing =
      verify_gpg_signature(key_path_requirement(path("absent.gpg")), signature);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, oci::ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("no such key file"), std::string::npos);

  json not_a_key = {
      {"type", "signedBy"}, {"keyType", "GPGKeys"}, {"keyData", oci::base64_encode("not a key")}};
  oci::Result<std::string> no_keys = verify_gpg_signature(not_a_key, signature);
  ASSERT_FALSE(no_keys);
  EXPECT_NE(no_keys.error().message.find("No public keys imported"), std::string::npos)
      << no_keys.error().message;

  json x509 = key_path_requirement(path("trusted.gpg"));
  x509["keyType"] = "X509Certificates";
  oci::Result<std::string> unimplemented = verify_gpg_signature(x509, signature);
  ASSERT_FALSE(unimplemented);
  EXPECT_EQ(unimplemented.error().message, "Unimplemented \"keyType\" value \"X509Certificates\"");
}

}  // namespace
}  // namespace signature
