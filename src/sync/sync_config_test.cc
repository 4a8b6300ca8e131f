#include "sync/sync_config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace imagesync {
namespace {

oci::Result<SyncConfig> parse(const std::string& text) {
  return parse_sync_config(text, "sync.yaml");
}

// The error message, or "" when the text loaded.
std::string error_of(const std::string& text) {
  auto config = parse(text);
  return config ? std::string() : config.error().message;
}

TEST(SyncConfig, LoadsTheDocumentedExample) {
  auto config = parse(R"(# where the images go
registries:
  - eu.mirror.example.com/mirror
  - registry: us.mirror.example.com:5000
    tls-verify: false
images:
  - source: quay.io/app/api
    tags: [v1.0, v1.1]
    tag-regex: '^v1\.[0-9]+$'
    semver: '>=1.2.0 <2.0.0'
    newest: 3
    digests: [sha256:0000000000000000000000000000000000000000000000000000000000000000]
    platforms: [linux/amd64, linux/arm64/v8]
  - source: quay.io/app/web:1.0
  - source: busybox
rewrite:
  - from: quay.io/app
    to: apps
)");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  ASSERT_EQ(config->registries.size(), 2u);
  EXPECT_EQ(config->registries[0].str(), "eu.mirror.example.com/mirror");
  EXPECT_FALSE(config->registries[0].tls_verify.has_value());
  EXPECT_EQ(config->registries[1].host, "us.mirror.example.com:5000");
  EXPECT_EQ(config->registries[1].tls_verify, false);
  ASSERT_EQ(config->images.size(), 3u);
  const ImageEntry& api = config->images[0];
  EXPECT_TRUE(api.is_repository());
  EXPECT_EQ(api.line, 7);
  EXPECT_EQ(api.filter.tags, (std::vector<std::string>{"v1.0", "v1.1"}));
  EXPECT_TRUE(api.filter.regex.has_value());
  EXPECT_TRUE(api.filter.semver.has_value());
  EXPECT_EQ(api.filter.newest, 3);
  EXPECT_EQ(api.digests.size(), 1u);
  ASSERT_EQ(api.platforms.size(), 2u);
  EXPECT_EQ(api.platforms[1].architecture, "arm64");
  EXPECT_EQ(config->images[1].source.tag(), "1.0");
  EXPECT_FALSE(config->images[1].is_repository());
  EXPECT_EQ(config->images[2].source.name(), "docker.io/library/busybox");
  ASSERT_EQ(config->rewrite.size(), 1u);
  EXPECT_EQ(config->rewrite[0].to, "apps");
}

TEST(SyncConfig, RegistriesAreOptionalForArchives) {
  auto config = parse("images: [{source: quay.io/a/b}]");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_TRUE(config->registries.empty());
}

TEST(SyncConfig, NumericLookingTagsKeepTheirSpelling) {
  auto config = parse("images:\n  - source: quay.io/a/b\n    tags: [1.10, 2.0, 3]\n");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(config->images[0].filter.tags, (std::vector<std::string>{"1.10", "2.0", "3"}));
}

TEST(SyncConfig, ErrorsNameTheFileLineAndKey) {
  struct Case {
    std::string text;
    std::string expected;  // a part of the message
  };
  const Case cases[] = {
      {"images:\n  - source: quay.io/a/b\n    tag: [v1]\n",
       "sync.yaml:3: images[0]: unknown key \"tag\""},
      {"images: [{source: quay.io/a/b}]\nextra: 1\n",
       "sync.yaml:2: sync config: unknown key \"extra\""},
      {"registries: [m.example.com]\nregistries: [n.example.com]\nimages: [{source: quay.io/a}]\n",
       "sync.yaml:2: sync config: key \"registries\" given twice"},
      {"images:\n  - source: quay.io/a/b\n    tags: v1\n",
       "sync.yaml:3: images[0].tags: must be a list"},
      {"images:\n  - source: quay.io/a/b\n    tags: [{a: 1}]\n",
       "images[0].tags[0]: must be a string"},
      {"images:\n  - source: quay.io/a/b\n    tags: ['bad tag']\n", "not a valid tag"},
      {"images:\n  - source: quay.io/a/b\n    tag-regex: '(['\n",
       "sync.yaml:3: images[0].tag-regex: invalid regular expression"},
      // Nested deeply enough, a longer one would overflow the stack of std::regex's compiler.
      {"images:\n  - source: quay.io/a/b\n    tag-regex: '" + std::string(100000, '(') +
           std::string(100000, ')') + "'\n",
       "sync.yaml:3: images[0].tag-regex: is longer than 1024 bytes"},
      // A back-reference with a huge number was undefined behaviour in libstdc++'s compiler.
      {"images:\n  - source: quay.io/a/b\n    tag-regex: '^v.\\1000000000000000000000000'\n",
       "images[0].tag-regex: back-references"},
      {"images:\n  - source: quay.io/a/b\n    tag-regex: '(a)\\1'\n", "back-references"},
      // Runs of repetitions took libstdc++'s matcher exponential time (found by fuzz.sync_parsers).
      {"images:\n  - source: quay.io/a/b\n    tag-regex: '^1**  ****c'\n",
       "images[0].tag-regex: repeats a repetition"},
      {"images:\n  - source: quay.io/a/b\n    tag-regex: 'v[0-9]{2}+'\n", "repeats a repetition"},
      {"images:\n  - source: quay.io/a/b\n    semver: '>=1.x.2'\n",
       "sync.yaml:3: images[0].semver: invalid semver range"},
      {"images:\n  - source: quay.io/a/b\n    semver: ''\n", "images[0].semver: is empty"},
      {"images:\n  - source: quay.io/a/b\n    newest: 0\n", "images[0].newest: must be a positive"},
      {"images:\n  - source: quay.io/a/b\n    newest: -2\n", "must be a positive"},
      {"images:\n  - source: quay.io/a/b\n    newest: three\n", "must be a positive"},
      {"images:\n  - source: quay.io/a/b\n    newest: 99999999999999999999\n",
       "must be a positive"},
      {"images:\n  - source: quay.io/a/b\n    digests: [sha256:abc]\n", "not a valid digest"},
      {"images:\n  - source: quay.io/a/b\n    platforms: [linux]\n",
       "images[0].platforms[0]: invalid platform"},
      {"images:\n  - source: quay.io/a/b\n    platforms: []\n", "is empty"},
      {"images:\n  - source: 'Quay.io/A'\n", "images[0].source"},
      {"images:\n  - source: quay.io/a/b:v1\n    tags: [v2]\n", "need a repository source"},
      {"images:\n  - source: quay.io/a/b:v1@sha256:"
       "0000000000000000000000000000000000000000000000000000000000000000\n",
       "not both"},
      {"images:\n  - tags: [v1]\n", "sync.yaml:2: images[0]: needs \"source\""},
      {"images: []\n", "images: is empty"},
      {"images: {source: quay.io/a}\n", "images: must be a list"},
      {"registries: [mirror]\nimages: [{source: quay.io/a}]\n",
       "registries[0]: \"mirror\" does not start with a registry host"},
      {"registries:\n  - registry: m.example.com\n    tls-verify: maybe\nimages: [{source: "
       "quay.io/a}]\n",
       "sync.yaml:3: registries[0].tls-verify: must be true or false"},
      {"registries:\n  - tls-verify: false\nimages: [{source: quay.io/a}]\n", "needs \"registry\""},
      {"registries: [m.example.com]\nimages: [{source: quay.io/a/x}, {source: docker.io/a/x}]\n",
       "registries[0]: quay.io/a/x and docker.io/a/x would both be copied to m.example.com/a/x"},
      {"images: [{source: quay.io/a}]\nrewrite:\n  - from: quay.io\n", "needs \"from\" and \"to\""},
      {"images: [{source: quay.io/a}]\nrewrite:\n  - {from: busybox, to: x}\n",
       "sync.yaml:3: rewrite[0]: rewrite from \"busybox\""},
      {"", "sync config: is empty"},
      {"- a\n- b\n", "sync config: must be a mapping"},
      {"images: [{source: quay.io/a}\n", "sync.yaml:2:1: invalid YAML"},
      {"images: [{source: quay.io/a, source: quay.io/b}]\n", "given twice"},
      {"? [a]\n: 1\n", "keys must be strings"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const std::string message = error_of(c.text);
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
  }
}

TEST(SyncConfig, HostileDocumentsAreRefused) {
  // Larger than the limit: refused before parsing.
  const std::string huge = "images:\n" + std::string(kMaxSyncConfigBytes, '#');
  EXPECT_NE(error_of(huge).find("larger than"), std::string::npos);
  // Deep nesting: yaml-cpp's depth guard, reported as invalid YAML, no crash.
  const std::string deep = "images: " + std::string(100000, '[') + std::string(100000, ']');
  EXPECT_NE(error_of(deep).find("sync.yaml"), std::string::npos);
  // Alias expansion: every alias is one node, the reader still walks a bounded structure.
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    const char p = static_cast<char>(c - 1);
    laughs += fmt::format("{}: &{} [*{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}]\n", c, c, p, p, p,
                          p, p, p, p, p, p);
  }
  EXPECT_NE(
      error_of(laughs + "images: [{source: quay.io/a/b, tags: *j}]\n").find("unknown key \"a\""),
      std::string::npos);
  // Under a known key the expansion stops at the first element that is not a string.
  std::string under_tags = laughs;
  for (char c = 'a'; c <= 'j'; ++c) {
    const auto at = under_tags.find(fmt::format("{}: &", c));
    under_tags.replace(at, 1, fmt::format("  - source: quay.io/x/{}\n    tags", c));
  }
  under_tags = "images:\n" + under_tags;
  EXPECT_NE(error_of(under_tags).find("images[1].tags[0]: must be a string"), std::string::npos)
      << error_of(under_tags);
  const std::string nested_alias =
      "images:\n  - source: quay.io/a/b\n    tags: &t [a, b]\n  - source: quay.io/a/c\n    "
      "tags: *t\n";
  EXPECT_EQ(error_of(nested_alias), "");
  // Control characters and binary.
  EXPECT_NE(error_of(std::string("images: [\x01\x02\xff]")), "");
}

TEST(SyncConfig, LoadsFromAFile) {
  const auto path = std::filesystem::temp_directory_path() / "regmirror-sync-config-test.yaml";
  {
    std::ofstream out(path);
    out << "registries: [m.example.com]\nimages:\n  - source: quay.io/a/b\n    bogus: 1\n";
  }
  auto config = load_sync_config(path);
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().message.find(path.string() + ":4: images[0]: unknown key \"bogus\""),
            std::string::npos)
      << config.error().message;
  std::filesystem::remove(path);
  auto missing = load_sync_config(path);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace imagesync
