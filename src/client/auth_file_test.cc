#include "client/auth_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace client {
namespace {

namespace fs = std::filesystem;

// base64("user:pass") and friends, computed independently (coreutils base64).
constexpr const char* kUserPass = "dXNlcjpwYXNz";              // user:pass
constexpr const char* kNsUser = "bnN1c2VyOm5zcGFzcw==";        // nsuser:nspass
constexpr const char* kRepoUser = "cmVwb3VzZXI6cmVwb3Bhc3M=";  // repouser:repopass
constexpr const char* kHubUser = "aHViOmh1YnBhc3M=";           // hub:hubpass
constexpr const char* kNoColon = "bm9jb2xvbg==";               // nocolon

class AuthFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("auth-file-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "run");
    env_.home = (root_ / "home").string();
    env_.xdg_runtime_dir = (root_ / "run").string();
    env_.uid = 4242;
  }
  void TearDown() override { fs::remove_all(root_); }

  static void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  static std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static std::string auths(const std::string& key, const std::string& auth) {
    return R"({"auths": {")" + key + R"(": {"auth": ")" + auth + R"("}}})";
  }
  std::optional<Credentials> lookup(std::string_view name) {
    oci::Result<std::optional<Credentials>> found = find_credentials(auth_read_paths(env_), name);
    EXPECT_TRUE(found) << found.error().message;
    return found ? *found : std::nullopt;
  }

  fs::path root_;
  AuthEnvironment env_;
};

TEST_F(AuthFileTest, DefaultSearchOrder) {
  const std::vector<AuthFilePath> want = {
      {root_ / "run/containers/auth.json", false},
      {root_ / "home/.config/containers/auth.json", false},
      {root_ / "home/.docker/config.json", false},
      {root_ / "home/.dockercfg", true},
  };
  EXPECT_EQ(auth_read_paths(env_), want);
  EXPECT_EQ(*auth_write_path(env_), root_ / "run/containers/auth.json");
}

TEST_F(AuthFileTest, XdgAndDockerConfigOverrides) {
  env_.xdg_config_home = (root_ / "cfg").string();
  env_.docker_config = (root_ / "dockercfg").string();
  const std::vector<AuthFilePath> paths = auth_read_paths(env_);
  ASSERT_EQ(paths.size(), 4u);
  EXPECT_EQ(paths[1].path, root_ / "cfg/containers/auth.json");
  EXPECT_EQ(paths[2].path, root_ / "dockercfg/config.json");
}

TEST_F(AuthFileTest, WithoutXdgRuntimeDirThePerUidFileIsPrimary) {
  env_.xdg_runtime_dir.clear();
  EXPECT_EQ(auth_read_paths(env_).front().path, fs::path("/run/containers/4242/auth.json"));
  EXPECT_EQ(*auth_write_path(env_), fs::path("/run/containers/4242/auth.json"));
}

TEST_F(AuthFileTest, MissingXdgRuntimeDirIsSkippedForReadingAndAnErrorForWriting) {
  env_.xdg_runtime_dir = (root_ / "no-such-dir").string();
  const std::vector<AuthFilePath> paths = auth_read_paths(env_);
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(paths[0].path, root_ / "home/.config/containers/auth.json");
  oci::Result<fs::path> write_path = auth_write_path(env_);
  ASSERT_FALSE(write_path);
  EXPECT_NE(write_path.error().message.find("set by $XDG_RUNTIME_DIR does not exist"),
            std::string::npos);
}

TEST_F(AuthFileTest, UserNamedFileIsTheOnlyOne) {
  env_.registry_auth_file = (root_ / "env.json").string();
  EXPECT_EQ(auth_read_paths(env_), (std::vector<AuthFilePath>{{root_ / "env.json", false}}));
  EXPECT_EQ(*auth_write_path(env_), root_ / "env.json");
  env_.authfile = root_ / "flag.json";  // --authfile beats $REGISTRY_AUTH_FILE
  EXPECT_EQ(auth_read_paths(env_), (std::vector<AuthFilePath>{{root_ / "flag.json", false}}));
  EXPECT_EQ(*auth_write_path(env_), root_ / "flag.json");
}

TEST_F(AuthFileTest, FirstFileWithCredentialsWins) {
  write(root_ / "home/.docker/config.json", auths("reg.example", kHubUser));
  write(root_ / "home/.config/containers/auth.json", auths("reg.example", kUserPass));
  EXPECT_EQ(lookup("reg.example/ns/app")->username, "user");
  // The runtime file comes first.
  write(root_ / "run/containers/auth.json", auths("reg.example", kNsUser));
  EXPECT_EQ(lookup("reg.example/ns/app")->username, "nsuser");
  // An entry without "user:password" does not stop the search.
  write(root_ / "run/containers/auth.json", auths("reg.example", kNoColon));
  EXPECT_EQ(lookup("reg.example/ns/app")->username, "user");
  EXPECT_EQ(lookup("other.example/x"), std::nullopt);
}

TEST_F(AuthFileTest, UserNamedFileHidesTheOthers) {
  write(root_ / "run/containers/auth.json", auths("reg.example", kUserPass));
  write(root_ / "named.json", R"({"auths": {}})");
  env_.authfile = root_ / "named.json";
  EXPECT_EQ(lookup("reg.example/app"), std::nullopt);
}

TEST_F(AuthFileTest, MostSpecificKeyWins) {
  write(root_ / "run/containers/auth.json",
        std::string(R"({"auths": {)") + R"("reg.example:5000": {"auth": ")" + kUserPass +
            R"("}, "reg.example:5000/team": {"auth": ")" + kNsUser +
            R"("}, "reg.example:5000/team/app": )" + R"({"auth": ")" + kRepoUser + R"("}}})");
  EXPECT_EQ(lookup("reg.example:5000/team/app")->username, "repouser");
  EXPECT_EQ(lookup("reg.example:5000/team/app/sub")->username, "repouser");
  EXPECT_EQ(lookup("reg.example:5000/team/other")->username, "nsuser");
  EXPECT_EQ(lookup("reg.example:5000/team")->username, "nsuser");
  EXPECT_EQ(lookup("reg.example:5000/teamx/app")->username, "user");
  EXPECT_EQ(lookup("reg.example:5000")->username, "user");
  EXPECT_EQ(lookup("reg.example/team/app"), std::nullopt) << "the port is part of the host";
}

TEST_F(AuthFileTest, LegacyKeysAreNormalized) {
  write(root_ / "home/.docker/config.json",
        std::string(R"({"auths": {"https://index.docker.io/v1/": {"auth": ")") + kHubUser +
            R"("}, "http://old.example:5000/v2/": {"auth": ")" + kUserPass + R"("}}})");
  EXPECT_EQ(lookup("docker.io/library/busybox")->username, "hub");
  EXPECT_EQ(lookup("old.example:5000/app")->username, "user");
  // ~/.dockercfg: the whole file is the map, keys are URLs.
  write(root_ / "home/.dockercfg",
        std::string(R"({"https://legacy.example/v1/": {"auth": ")") + kNsUser + R"("}})");
  EXPECT_EQ(lookup("legacy.example/app")->username, "nsuser");
}

TEST_F(AuthFileTest, IdentityTokenAndNulPadding) {
  // base64("tok:pass\0\0"): Go trims NULs from the password.
  write(root_ / "run/containers/auth.json",
        R"({"auths": {"reg.example": {"auth": "dG9rOnBhc3MAAA==", "identitytoken": "refresh"}}})");
  const std::optional<Credentials> found = lookup("reg.example/app");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, "tok");
  EXPECT_EQ(found->password, "pass");
  EXPECT_EQ(found->identity_token, "refresh");
}

TEST_F(AuthFileTest, MalformedFilesAreErrors) {
  for (const std::string text : {"", "{", "[]", R"({"auths": []})", R"({"auths": {"a": 1}})",
                                 R"({"auths": {"a": {"auth": 5}}})"}) {
    SCOPED_TRACE(text);
    write(root_ / "run/containers/auth.json", text);
    oci::Result<std::optional<Credentials>> found = find_credentials(auth_read_paths(env_), "a/b");
    ASSERT_FALSE(found);
    EXPECT_NE(found.error().message.find(root_.string()), std::string::npos)
        << "names the file: " << found.error().message;
  }
  write(root_ / "run/containers/auth.json", R"({"auths": {"a": {"auth": "%%%"}}})");
  EXPECT_FALSE(find_credentials(auth_read_paths(env_), "a/b"));
  // Nested 100000 deep, copying or writing the tree would overflow the stack.
  write(root_ / "run/containers/auth.json", R"({"auths": {"a": {"auth": "YTpi", "x": )" +
                                                std::string(100000, '[') +
                                                std::string(100000, ']') + "}}}");
  oci::Result<std::optional<Credentials>> deep = find_credentials(auth_read_paths(env_), "a/b");
  ASSERT_FALSE(deep);
  EXPECT_NE(deep.error().message.find("nests deeper than"), std::string::npos)
      << deep.error().message;
}

TEST_F(AuthFileTest, CredentialHelpersAreNotSupported) {
  write(root_ / "run/containers/auth.json",
        std::string(R"({"auths": {"plain.example": {"auth": ")") + kUserPass +
            R"("}}, "credHelpers": {"helped.example": "ecr-login"}})");
  EXPECT_EQ(lookup("plain.example/app")->username, "user") << "other registries still work";
  oci::Result<std::optional<Credentials>> helped =
      find_credentials(auth_read_paths(env_), "helped.example/app");
  ASSERT_FALSE(helped);
  EXPECT_EQ(helped.error().code, oci::ErrorCode::kUnsupported);
  EXPECT_NE(helped.error().message.find("docker-credential-ecr-login"), std::string::npos);

  // docker login with a credsStore leaves {} entries: those need the store.
  write(root_ / "run/containers/auth.json",
        R"({"auths": {"stored.example": {}}, "credsStore": "desktop"})");
  oci::Result<std::optional<Credentials>> stored =
      find_credentials(auth_read_paths(env_), "stored.example/app");
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, oci::ErrorCode::kUnsupported);
  EXPECT_NE(stored.error().message.find("credsStore"), std::string::npos);
  EXPECT_EQ(lookup("unrelated.example/app"), std::nullopt) << "credsStore alone is ignored";
}

TEST_F(AuthFileTest, LookupForAHost) {
  write(root_ / "run/containers/auth.json",
        std::string(R"({"auths": {"reg.example": {"auth": ")") + kUserPass +
            R"("}, "reg.example/team": {"auth": ")" + kNsUser + R"("}}})");
  oci::Result<CredentialLookup> lookup = auth_file_lookup(auth_read_paths(env_), "reg.example");
  ASSERT_TRUE(lookup) << lookup.error().message;
  EXPECT_EQ((*lookup)("team/app")->username, "nsuser");
  EXPECT_EQ((*lookup)("other/app")->username, "user");
  EXPECT_EQ((*lookup)("")->username, "user");
  // Read once: later edits do not change a client's credentials mid-copy.
  write(root_ / "run/containers/auth.json", R"({"auths": {}})");
  EXPECT_EQ((*lookup)("other/app")->username, "user");

  oci::Result<CredentialLookup> none = auth_file_lookup(auth_read_paths(env_), "reg.example");
  ASSERT_TRUE(none);
  EXPECT_EQ((*none)("app"), std::nullopt);
}

TEST_F(AuthFileTest, LookupFailsEarlyForBrokenEntriesOfItsHost) {
  write(
      root_ / "run/containers/auth.json",
      R"({"auths": {"reg.example/team": {"auth": "not base64!"}}, "credHelpers": {"h.example": "x"}})");
  EXPECT_FALSE(auth_file_lookup(auth_read_paths(env_), "reg.example"));
  EXPECT_FALSE(auth_file_lookup(auth_read_paths(env_), "h.example"));
  EXPECT_TRUE(auth_file_lookup(auth_read_paths(env_), "fine.example"));
}

TEST_F(AuthFileTest, NormalizeKey) {
  EXPECT_EQ(*normalize_auth_key("quay.io"), "quay.io");
  EXPECT_EQ(*normalize_auth_key("127.0.0.1:5000"), "127.0.0.1:5000");
  EXPECT_EQ(*normalize_auth_key("quay.io/ns/app"), "quay.io/ns/app");
  EXPECT_EQ(*normalize_auth_key("https://quay.io/v1/"), "quay.io");
  EXPECT_EQ(*normalize_auth_key("http://localhost:5000"), "localhost:5000");
  EXPECT_EQ(*normalize_auth_key("quay.io/"), "quay.io");
  for (const char* bad : {"", "quay.io/app:1", "quay.io/app@sha256:abc", "quay.io//x", "a b"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(normalize_auth_key(bad));
  }
}

TEST_F(AuthFileTest, LoginWritesPrivatelyAndKeepsEverythingElse) {
  const fs::path path = root_ / "new/dir/auth.json";
  const std::string existing = std::string(R"({"auths": {"other.example": {"auth": ")") + kHubUser +
                               R"(", "email": "x@y"}}, "credHelpers": {"h": "x"},)" +
                               R"( "HttpHeaders": {"X-Meta": "1"}})";
  // A missing file starts empty; directories are created 0700.
  oci::Result<AuthFile> fresh = AuthFile::load({path, false});
  ASSERT_TRUE(fresh);
  ASSERT_TRUE(fresh->set("reg.example:5000", Credentials{"user", "pass", ""}));
  ASSERT_TRUE(fresh->save(path));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((root_ / "new/dir").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((root_ / "new").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  const nlohmann::json saved = nlohmann::json::parse(read(path));
  EXPECT_EQ(saved["auths"]["reg.example:5000"]["auth"], kUserPass);

  write(path, existing);
  oci::Result<AuthFile> file = AuthFile::load({path, false});
  ASSERT_TRUE(file);
  ASSERT_TRUE(file->set("reg.example:5000", Credentials{"user", "pass", ""}));
  ASSERT_TRUE(file->save(path));
  const nlohmann::json after = nlohmann::json::parse(read(path));
  EXPECT_EQ(after["auths"]["reg.example:5000"], (nlohmann::json{{"auth", kUserPass}}));
  EXPECT_EQ(after["auths"]["other.example"]["email"], "x@y");
  EXPECT_EQ(after["credHelpers"]["h"], "x");
  EXPECT_EQ(after["HttpHeaders"]["X-Meta"], "1");
  // Only the file itself is in the directory: the temporary file was renamed.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(root_ / "new/dir")) ++entries;
  EXPECT_EQ(entries, 1);

  // What was written reads back through the search.
  env_.authfile = path;
  EXPECT_EQ(lookup("reg.example:5000/app")->password, "pass");
}

TEST_F(AuthFileTest, LoginRefusesAKeyOwnedByAHelper) {
  write(root_ / "a.json", R"({"auths": {}, "credHelpers": {"reg.example": "pass"}})");
  oci::Result<AuthFile> file = AuthFile::load({root_ / "a.json", false});
  ASSERT_TRUE(file);
  oci::Result<void> set = file->set("reg.example", Credentials{"u", "p", ""});
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, oci::ErrorCode::kUnsupported);
}

TEST_F(AuthFileTest, Logout) {
  write(root_ / "a.json", std::string(R"({"auths": {"a.example": {"auth": ")") + kUserPass +
                              R"("}, "b.example": {"auth": ")" + kUserPass +
                              R"("}}, "credHelpers": {"h": "x"}})");
  oci::Result<AuthFile> file = AuthFile::load({root_ / "a.json", false});
  ASSERT_TRUE(file);
  EXPECT_TRUE(file->remove("a.example"));
  EXPECT_FALSE(file->remove("a.example"));
  EXPECT_EQ(file->keys(), std::vector<std::string>{"b.example"});
  file->clear();
  EXPECT_TRUE(file->keys().empty());
  ASSERT_TRUE(file->save(root_ / "a.json"));
  const nlohmann::json after = nlohmann::json::parse(read(root_ / "a.json"));
  EXPECT_EQ(after["auths"], nlohmann::json::object());
  EXPECT_EQ(after["credHelpers"]["h"], "x");
}

TEST_F(AuthFileTest, SaveFailsCleanlyWhenTheDirectoryCannotBeMade) {
  write(root_ / "file", "x");
  oci::Result<AuthFile> file = AuthFile::load({root_ / "file/auth.json", false});
  ASSERT_TRUE(file) << "a path under a file reads as missing";
  EXPECT_FALSE(file->save(root_ / "file/auth.json"));
}

}  // namespace
}  // namespace client
