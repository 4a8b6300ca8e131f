// Loading, validation and drop-in merging. Error texts are containers/image 5.23.1's, except
// TOML errors (ours give file:line:column) and the v1/v2 mixing rules of current upstream.
#include "nodeconf/registries_conf_loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "nodeconf/test_fixtures.h"

namespace nodeconf {
namespace {

namespace fs = std::filesystem;
using testing_fixtures::fixture_dir;
using testing_fixtures::load_fixture;

struct InvalidCase {
  std::string conf;
  std::string error;  // after `loading registries configuration "PATH": `
};

class InvalidConfigTest : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidConfigTest, IsRefusedWithContainersImageWording) {
  const auto conf = load_fixture(GetParam().conf);
  ASSERT_FALSE(conf);
  const std::string path = (fixture_dir() / GetParam().conf).string();
  EXPECT_EQ(conf.error().message,
            "loading registries configuration \"" + path + "\": " + GetParam().error);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Fixtures, InvalidConfigTest, testing::Values(
    InvalidCase{"invalid-both-unset.conf", "invalid condition: both location and prefix are unset"},
    InvalidCase{"invalid-prefix-without-location.conf", "invalid condition: location is unset and prefix is not in the format: *.example.com"},
    InvalidCase{"invalid-wildcard-without-dot.conf", "invalid condition: location is unset and prefix is not in the format: *.example.com"},
    InvalidCase{"invalid-uri-scheme.conf", "invalid location 'https://example.com': URI schemes are not supported"},
    InvalidCase{"invalid-uri-scheme-prefix.conf", "invalid location 'http://example.com': URI schemes are not supported"},
    InvalidCase{"invalid-uri-scheme-mirror.conf", "invalid location 'http://mirror.example.net': URI schemes are not supported"},
    InvalidCase{"invalid-v1-uri-scheme.conf", "invalid location 'https://blocked.example.com': URI schemes are not supported"},
    InvalidCase{"invalid-mirror-without-location.conf", "invalid condition: mirror location is unset"},
    InvalidCase{"invalid-pull-from-mirror-with-mirror-by-digest-only.conf", "cannot set mirror usage mirror-by-digest-only for the registry (\"registry.example.com\") and pull-from-mirror for per-mirror (\"m1.example.net\") at the same time"},
    InvalidCase{"invalid-pull-from-mirror-value.conf", "unsupported pull-from-mirror value \"Digest-Only\" for mirror \"m1.example.net\""},
    InvalidCase{"invalid-pull-from-mirror-on-primary.conf", "pull-from-mirror must not be set for a non-mirror registry \"registry.example.com/ns\""},
    InvalidCase{"invalid-conflicting-insecure.conf", "registry 'shared.example.net' is defined multiple times with conflicting 'insecure' setting"},
    InvalidCase{"invalid-conflicting-blocked.conf", "registry 'example.com' is defined multiple times with conflicting 'blocked' setting"},
    InvalidCase{"invalid-wildcard-with-namespace.conf", "Wildcarded prefix should be in the format: *.example.com. Current prefix \"*.example.com/ns\" is incorrectly formatted"},
    InvalidCase{"invalid-wildcard-with-port.conf", "Wildcarded prefix should be in the format: *.example.com. Current prefix \"*.example.com:5000\" is incorrectly formatted"},
    InvalidCase{"invalid-search-registry-with-namespace.conf", "Invalid unqualified-search-registries entry \"quay.io/ns\""},
    InvalidCase{"invalid-short-name-mode.conf", "invalid short-name mode: \"strict\""},
    InvalidCase{"invalid-alias-with-tag.conf", "validating short-name aliases: invalid alias \"registry.fedoraproject.org/fedora:39\": must not contain tag"},
    InvalidCase{"invalid-alias-key-with-registry.conf", "validating short-name aliases: invalid short name \"quay.io/fedora\": must not contain registry"},
    // Every bad alias at once (upstream's order is random; ours is by name).
    InvalidCase{"invalid-aliases-several.conf", "validating short-name aliases: invalid short name \"a:1\": must not contain tag\n: invalid alias \"b\": must contain registry and repository\n: invalid alias \"quay.io/c@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\": must not contain digest"},
    InvalidCase{"invalid-mixing-v1-v2.conf", "mixing sysregistry v1/v2 is not supported: v1 [registries.search] together with v2 unqualified-search-registries"},
    InvalidCase{"invalid-mixing-v1-empty-list-v2.conf", "mixing sysregistry v1/v2 is not supported: v1 [registries.block] together with v2 unqualified-search-registries"},
    InvalidCase{"invalid-toml-unterminated-string.conf", (fixture_dir() / "invalid-toml-unterminated-string.conf").string() + ":2:24: Error while parsing string: unescaped control characters other than TAB (U+0009) are explicitly prohibited"},
    InvalidCase{"invalid-toml-wrong-type.conf", (fixture_dir() / "invalid-toml-wrong-type.conf").string() + ":3:12: key \"registry.insecure\": incompatible types: TOML value has type string; destination has type boolean"},
    InvalidCase{"invalid-toml-registry-as-table.conf", (fixture_dir() / "invalid-toml-registry-as-table.conf").string() + ":1:1: key \"registry\": incompatible types: TOML value has type table; destination has type array of tables"},
    InvalidCase{"invalid-toml-search-registries-as-string.conf", (fixture_dir() / "invalid-toml-search-registries-as-string.conf").string() + ":1:33: key \"unqualified-search-registries\": incompatible types: TOML value has type string; destination has type array"}));
// clang-format on

TEST(DropInTest, MustBeVersion2) {
  const auto conf = load_fixture("dropins-v1.conf");
  ASSERT_FALSE(conf);
  EXPECT_EQ(conf.error().message, "loading drop-in registries configuration \"" +
                                      (fixture_dir() / "dropins-v1.conf.d/10-v1.conf").string() +
                                      "\": registry must be in v2 format but is in v1");
}

TEST(DropInTest, AnInvalidDropInFailsEverything) {
  const auto conf = load_fixture("dropins-invalid.conf");
  ASSERT_FALSE(conf);
  EXPECT_EQ(conf.error().message,
            "loading drop-in registries configuration \"" +
                (fixture_dir() / "dropins-invalid.conf.d/10-bad.conf").string() +
                "\": Wildcarded prefix should be in the format: *.example.com. Current prefix "
                "\"*.example.com/x\" is incorrectly formatted");
}

TEST(DropInTest, MergesInLexicalOrder) {
  const auto conf = load_fixture("dropins.conf");
  ASSERT_TRUE(conf) << conf.error().message;
  const std::string dir = (fixture_dir() / "dropins.conf.d").string();
  EXPECT_EQ(conf->sources.dropin_files,
            (std::vector<std::string>{dir + "/10-replace.conf", dir + "/20-later-wins.conf"}));
  std::vector<std::string> prefixes;
  for (const Registry& registry : conf->registries) prefixes.push_back(registry.prefix);
  EXPECT_EQ(prefixes, (std::vector<std::string>{"added.example.com", "example.com",
                                                "untouched.example.com"}));
  EXPECT_EQ(conf->unqualified_search_registries, std::vector<std::string>{"main.example.com"});
  EXPECT_EQ(conf->unqualified_search_registries_origin, (fixture_dir() / "dropins.conf").string());
  EXPECT_EQ(conf->short_name_mode, ShortNameMode::kEnforcing);
  EXPECT_EQ(conf->credential_helpers, std::vector<std::string>{"containers-auth.json"});
  ASSERT_TRUE(conf->aliases.contains("gone"));
  EXPECT_FALSE(conf->aliases.at("gone").value);
  EXPECT_EQ(conf->aliases.at("gone").origin, dir + "/10-replace.conf");
}

TEST(DropInTest, AnExplicitEmptyListClearsTheSearchRegistries) {
  const auto conf = load_fixture("dropins-clear-search.conf");
  ASSERT_TRUE(conf) << conf.error().message;
  EXPECT_TRUE(conf->unqualified_search_registries.empty());
  EXPECT_EQ(conf->unqualified_search_registries_origin,
            (fixture_dir() / "dropins-clear-search.conf.d/10-clear.conf").string());
  EXPECT_EQ(conf->credential_helpers, std::vector<std::string>{"pass"});
}

TEST(LoaderTest, Version1IsConverted) {
  const auto conf = load_fixture("v1.conf");
  ASSERT_TRUE(conf) << conf.error().message;
  ASSERT_EQ(conf->registries.size(), 2u);
  EXPECT_EQ(conf->registries[0].prefix, "blocked.example.com");
  EXPECT_TRUE(conf->registries[0].blocked);
  EXPECT_EQ(conf->registries[1].prefix, "insecure.example.com:5000");
  EXPECT_TRUE(conf->registries[1].blocked);
  EXPECT_TRUE(conf->registries[1].endpoint.insecure);
  EXPECT_EQ(conf->unqualified_search_registries,
            (std::vector<std::string>{"registry.fedoraproject.org", "quay.io"}));
}

TEST(LoaderTest, ANamedFileMustExistTheSystemOneNeedNot) {
  const fs::path absent = fixture_dir() / "absent.conf";
  const auto named = load_registries_conf(ConfigLocation{.file = absent, .dropin_dir = {}});
  ASSERT_FALSE(named);
  EXPECT_EQ(named.error().message, "loading registries configuration \"" + absent.string() +
                                       "\": open " + absent.string() +
                                       ": no such file or directory");
  const auto system = load_registries_conf(
      ConfigLocation{.file = absent, .dropin_dir = {}, .file_is_optional = true});
  ASSERT_TRUE(system) << system.error().message;
  EXPECT_FALSE(system->sources.file_read);
  EXPECT_EQ(system->short_name_mode, ShortNameMode::kPermissive);
  EXPECT_EQ(system->credential_helpers, std::vector<std::string>{"containers-auth.json"});
}

TEST(LoaderTest, TheDuplicatePrefixKeepsTheFirstEntry) {
  const auto conf = load_fixture("duplicate-prefix.conf");
  ASSERT_TRUE(conf) << conf.error().message;
  ASSERT_EQ(conf->registries.size(), 1u);
  EXPECT_EQ(conf->registries[0].endpoint.location, "first.example.net");
}

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    path_ = fs::temp_directory_path() /
            ("nodeconf-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TemporaryDirectory() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name) << text;
  }

 private:
  fs::path path_;
};

// filepath.WalkDir does not follow a symlinked root: such a registries.conf.d is not read.
TEST(DropInTest, ASymlinkedDirectoryIsNotRead) {
  TemporaryDirectory dir;
  dir.write("registries.conf", "");
  dir.write("real.d/10-a.conf", "[[registry]]\nlocation = \"a.example.com\"\n");
  fs::create_directory_symlink(dir.path() / "real.d", dir.path() / "registries.conf.d");
  const auto conf = load_registries_conf(ConfigLocation{
      .file = dir.path() / "registries.conf", .dropin_dir = dir.path() / "registries.conf.d"});
  ASSERT_TRUE(conf) << conf.error().message;
  EXPECT_TRUE(conf->registries.empty());
  EXPECT_TRUE(conf->sources.dropin_files.empty());
}

TEST(DropInTest, AFileGivenAsTheDirectoryIsTheOneDropIn) {
  TemporaryDirectory dir;
  dir.write("registries.conf", "");
  dir.write("single.conf", "[[registry]]\nlocation = \"a.example.com\"\n");
  const auto conf = load_registries_conf(ConfigLocation{.file = dir.path() / "registries.conf",
                                                        .dropin_dir = dir.path() / "single.conf"});
  ASSERT_TRUE(conf) << conf.error().message;
  ASSERT_EQ(conf->registries.size(), 1u);
  EXPECT_EQ(conf->registries[0].prefix, "a.example.com");
}

}  // namespace
}  // namespace nodeconf
