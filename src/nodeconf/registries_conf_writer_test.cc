#include "nodeconf/registries_conf_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "nodeconf/config_file.h"

namespace nodeconf {
namespace {

const std::filesystem::path kGolden =
    std::filesystem::path(REGMIRROR_SOURCE_DIR) / "src/nodeconf/testdata" / "writer";

std::string read_golden(std::string_view name) {
  std::ifstream in(kGolden / name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

RegistriesConfDocument mirrors_document() {
  Registry release{.prefix = "",
                   .endpoint = {.location = "quay.io/openshift-release-dev/ocp-release",
                                .insecure = false,
                                .pull_from_mirror = ""},
                   .mirrors = {{.location = "mirror.example.com:5000/ocp/release",
                                .insecure = true,
                                .pull_from_mirror = "digest-only"},
                               {.location = "mirror.example.com:5000/ocp/release-tags",
                                .insecure = false,
                                .pull_from_mirror = "tag-only"}},
                   .blocked = true};
  Registry quoted{.prefix = "",
                  .endpoint = {.location = "registry.example.com/a\"b",
                               .insecure = true,
                               .pull_from_mirror = ""},
                  .mirrors = {},
                  .blocked = false,
                  .mirror_by_digest_only = true};
  RegistriesConfDocument document;
  document.unqualified_search_registries = {"registry.access.redhat.com", "docker.io"};
  document.registries = {release, quoted};
  return document;
}

TEST(RegistriesConfWriter, WritesTheMachineConfigOperatorLayout) {
  EXPECT_EQ(write_registries_conf(mirrors_document()), read_golden("mirrors.conf"));
}

// BurntSushi/toml leaves out nil slices and maps but not empty ones, and writes
// short-name-mode, which has no omitempty, always (checked against the MCO's encoder).
TEST(RegistriesConfWriter, EmptyDocumentKeepsOnlyShortNameMode) {
  EXPECT_EQ(write_registries_conf({}), "short-name-mode = \"\"\n");
  RegistriesConfDocument empty_lists;
  empty_lists.unqualified_search_registries.emplace();
  empty_lists.aliases.emplace();
  EXPECT_EQ(write_registries_conf(empty_lists),
            "unqualified-search-registries = []\nshort-name-mode = \"\"\n\n[aliases]\n");
}

TEST(RegistriesConfWriter, WritesHelpersModeAndAliases) {
  RegistriesConfDocument document;
  document.credential_helpers = std::vector<std::string>{"containers-auth.json"};
  document.short_name_mode = "enforcing";
  document.aliases = std::map<std::string, std::string>{{"busybox", "docker.io/library/busybox"},
                                                        {"team/app", ""}};
  EXPECT_EQ(write_registries_conf(document),
            "credential-helpers = [\"containers-auth.json\"]\n"
            "short-name-mode = \"enforcing\"\n"
            "\n[aliases]\n"
            "  busybox = \"docker.io/library/busybox\"\n"
            "  \"team/app\" = \"\"\n");
  EXPECT_TRUE(parse_config_file(write_registries_conf(document), "a.conf", FileRole::kMain));
}

TEST(RegistriesConfWriter, QuotesControlCharactersAsGoDoes) {
  EXPECT_EQ(toml_quote("a\\b\t\x01"), "\"a\\\\b\\t\\u0001\"");
}

TEST(RegistriesConfWriter, OutputLoadsBackToTheSameRegistries) {
  RegistriesConfDocument document = mirrors_document();
  document.registries.pop_back();  // the quoted location is not a valid reference
  auto parsed = parse_config_file(write_registries_conf(document), "mirrors.conf", FileRole::kMain);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  ASSERT_EQ(parsed->registries.size(), 1u);
  EXPECT_EQ(parsed->registries[0].mirrors, document.registries[0].mirrors);
  EXPECT_TRUE(parsed->registries[0].blocked);
}

}  // namespace
}  // namespace nodeconf
