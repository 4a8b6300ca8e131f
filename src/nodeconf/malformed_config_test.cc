// Hostile or broken registries.conf input: always a clear error (or, for unknown keys, a
// clean load), never a crash, a hang or unbounded memory.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "nodeconf/config_file.h"
#include "nodeconf/config_text_reader.h"
#include "nodeconf/registries_conf_loader.h"
#include "nodeconf/test_fixtures.h"

namespace nodeconf {
namespace {

namespace fs = std::filesystem;

std::string read_fixture(const std::string& name) {
  std::ifstream in(testing_fixtures::fixture_dir() / name, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string repeat(std::string_view part, std::size_t times) {
  std::string text;
  text.reserve(part.size() * times);
  for (std::size_t i = 0; i < times; ++i) text += part;
  return text;
}

TEST(MalformedConfigTest, EveryTruncationLoadsOrFailsCleanly) {
  for (const char* name : {"openshift-icsp.conf", "short-names.conf", "case-insensitive-keys.conf",
                           "v1.conf", "pull-from-mirror.conf"}) {
    const std::string text = read_fixture(name);
    for (std::size_t length = 0; length <= text.size(); ++length) {
      const auto parsed =
          parse_config_file(text.substr(0, length), "truncated.conf", FileRole::kMain);
      if (!parsed) {
        EXPECT_FALSE(parsed.error().message.empty()) << name << " cut at " << length;
      }
    }
  }
}

struct WrongTypeCase {
  std::string name;
  std::string text;
  std::string error;  // the tail of the message
};

class WrongTypeTest : public testing::TestWithParam<WrongTypeCase> {};

TEST_P(WrongTypeTest, NamesTheKeyAndItsPosition) {
  const auto parsed = parse_config_file(GetParam().text, "types.conf", FileRole::kMain);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message, GetParam().error);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Table, WrongTypeTest, testing::Values(
    WrongTypeCase{"BoolAsString", "[[registry]]\nlocation = \"a\"\nblocked = \"yes\"\n", "types.conf:3:11: key \"registry.blocked\": incompatible types: TOML value has type string; destination has type boolean"},
    WrongTypeCase{"LocationAsInteger", "[[registry]]\nlocation = 5000\n", "types.conf:2:12: key \"registry.location\": incompatible types: TOML value has type integer; destination has type string"},
    WrongTypeCase{"MirrorAsString", "[[registry]]\nlocation = \"a\"\nmirror = \"m\"\n", "types.conf:3:10: key \"registry.mirror\": incompatible types: TOML value has type string; destination has type array of tables"},
    WrongTypeCase{"MirrorElementAsString", "[[registry]]\nlocation = \"a\"\nmirror = [\"m\"]\n", "types.conf:3:11: key \"registry.mirror\": incompatible types: TOML value has type string; destination has type table"},
    WrongTypeCase{"SearchEntryAsInteger", "unqualified-search-registries = [\"quay.io\", 1]\n", "types.conf:1:45: key \"unqualified-search-registries\": incompatible types: TOML value has type integer; destination has type string"},
    WrongTypeCase{"ModeAsBool", "short-name-mode = true\n", "types.conf:1:19: key \"short-name-mode\": incompatible types: TOML value has type boolean; destination has type string"},
    WrongTypeCase{"AliasesAsArray", "aliases = []\n", "types.conf:1:11: key \"aliases\": incompatible types: TOML value has type array; destination has type table"},
    WrongTypeCase{"AliasValueAsTable", "[aliases]\n[aliases.fedora]\n", "types.conf:2:1: key \"aliases.fedora\": incompatible types: TOML value has type table; destination has type string"},
    WrongTypeCase{"V1RegistriesAsArray", "registries = [\"quay.io\"]\n", "types.conf:1:14: key \"registries\": incompatible types: TOML value has type array; destination has type table"},
    WrongTypeCase{"V1ListAsString", "[registries.search]\nregistries = \"quay.io\"\n", "types.conf:2:14: key \"registries.search.registries\": incompatible types: TOML value has type string; destination has type array"},
    WrongTypeCase{"HelpersAsDate", "credential-helpers = 1979-05-27\n", "types.conf:1:22: key \"credential-helpers\": incompatible types: TOML value has type date; destination has type array"}),
    [](const auto& info) { return info.param.name; });
// clang-format on

TEST(MalformedConfigTest, UnknownKeysAndTablesAreIgnored) {
  const auto parsed = parse_config_file(
      "future = 1\n[future-table]\nx = [1, 2]\n[[registry]]\nlocation = \"a.example.com\"\n"
      "colour = \"blue\"\n[registry.extra]\ny = true\n",
      "unknown.conf", FileRole::kMain);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->registries.size(), 1u);
  EXPECT_EQ(parsed->registries[0].prefix, "a.example.com");
}

TEST(MalformedConfigTest, InvalidUtf8IsRefused) {
  const auto in_string =
      parse_config_file("[[registry]]\nlocation = \"a\xff\"\n", "utf8.conf", FileRole::kMain);
  ASSERT_FALSE(in_string);
  EXPECT_TRUE(in_string.error().message.starts_with("utf8.conf:2:")) << in_string.error().message;
  const auto in_comment = parse_config_file("# \xc3\x28\n", "utf8.conf", FileRole::kMain);
  EXPECT_FALSE(in_comment);
}

TEST(MalformedConfigTest, NulBytesAreRefused) {
  const auto parsed =
      parse_config_file(std::string("location = \"a\0b\"\n", 17), "nul.conf", FileRole::kMain);
  EXPECT_FALSE(parsed);
}

TEST(MalformedConfigTest, DeeplyNestedTablesAreRefusedBeforeParsing) {
  const auto header = parse_config_file(std::string("[") + repeat("a.", 100'000) + "a]\n",
                                        "deep.conf", FileRole::kMain);
  ASSERT_FALSE(header);
  EXPECT_EQ(header.error().message,
            "deep.conf:1:65: keys with more than 32 dotted parts are not supported");
  const auto dotted_key =
      parse_config_file(repeat("a.", 100'000) + "a = 1\n", "deep.conf", FileRole::kMain);
  EXPECT_FALSE(dotted_key);
  const auto arrays = parse_config_file("a = " + repeat("[", 100'000) + repeat("]", 100'000),
                                        "deep.conf", FileRole::kMain);
  ASSERT_FALSE(arrays);
  EXPECT_EQ(arrays.error().message,
            "deep.conf:1:69: arrays and tables nested more than 64 levels deep are not supported");
  const auto inline_tables = parse_config_file(
      "a = " + repeat("{b = ", 100'000) + "1" + repeat("}", 100'000), "deep.conf", FileRole::kMain);
  EXPECT_FALSE(inline_tables);
}

TEST(MalformedConfigTest, NestingInsideStringsIsNotCounted) {
  const std::string deep = repeat("[a.", 200);
  const auto parsed = parse_config_file("[[registry]]\nlocation = \"" + deep +
                                            "\"\nprefix = '''\n" + deep + "'''\n" + "# " + deep +
                                            "\n[registry.x]\ny = \"\"\"" + deep + "\\\"\"\"\"\n",
                                        "strings.conf", FileRole::kMain);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->registries.size(), 1u);
  EXPECT_EQ(parsed->registries[0].prefix, deep);
}

TEST(MalformedConfigTest, TenMegabytesOfRegistriesLoadInReasonableTime) {
  std::string text;
  for (int i = 0; text.size() < 10u << 20; ++i) {
    const std::string n = std::to_string(i);
    text += "[[registry]]\nprefix = \"r" + n + ".example.com/ns\"\nlocation = \"m" + n +
            ".example.net/ns\"\n[[registry.mirror]]\nlocation = \"mirror" + n +
            ".example.net\"\n\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const auto parsed = parse_config_file(text, "big.conf", FileRole::kMain);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_GT(parsed->registries.size(), 70'000u);
  EXPECT_LT(elapsed, std::chrono::seconds(30));
}

TEST(MalformedConfigTest, TenMegabytesOfGarbageFailCleanly) {
  std::string garbage(10u << 20, '\0');
  std::uint32_t state = 12345;
  for (char& c : garbage) {
    state = state * 1103515245u + 12345u;
    c = static_cast<char>(state >> 24);
  }
  EXPECT_FALSE(parse_config_file(garbage, "garbage.conf", FileRole::kMain));
  EXPECT_FALSE(parse_config_file(repeat("[[", 5u << 20), "brackets.conf", FileRole::kMain));
}

TEST(MalformedConfigTest, FilesLargerThanTheLimitAreNotRead) {
  const fs::path file = fs::temp_directory_path() / "nodeconf-test-huge.conf";
  { std::ofstream out(file); }
  fs::resize_file(file, kMaxConfigFileBytes + 1);  // sparse: nothing is written
  const auto conf = load_registries_conf(ConfigLocation{.file = file, .dropin_dir = {}});
  fs::remove(file);
  ASSERT_FALSE(conf);
  EXPECT_EQ(conf.error().message, "loading registries configuration \"" + file.string() +
                                      "\": read " + file.string() + ": larger than 64 MiB");
}

TEST(MalformedConfigTest, ADirectoryIsNotAFile) {
  const auto conf = load_registries_conf(
      ConfigLocation{.file = testing_fixtures::fixture_dir(), .dropin_dir = {}});
  ASSERT_FALSE(conf);
  EXPECT_TRUE(conf.error().message.ends_with(": is a directory")) << conf.error().message;
}

}  // namespace
}  // namespace nodeconf
