// podman's short-name resolution without a TTY. Expected values are containers/image
// 5.23.1's pkg/shortnames.Resolve answers for the same fixtures.
#include "nodeconf/short_name_view.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nodeconf/test_fixtures.h"

namespace nodeconf {
namespace {

using testing_fixtures::fixture_dir;
using testing_fixtures::load_fixture;

const std::string kDigest =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct ShortNameCase {
  std::string conf;
  std::string input;
  bool is_short_name;
  std::vector<std::string> candidates;
  std::string error = {};
};

class ShortNameTest : public testing::TestWithParam<ShortNameCase> {};

TEST_P(ShortNameTest, ResolvesAsPodmanWithoutATerminal) {
  const ShortNameCase& c = GetParam();
  const auto conf = load_fixture(c.conf);
  ASSERT_TRUE(conf) << conf.error().message;
  const ShortNameView view = short_name_view(conf, c.input);
  EXPECT_EQ(view.is_short_name, c.is_short_name);
  std::vector<std::string> candidates;
  for (const oci::Reference& candidate : view.candidates) candidates.push_back(candidate.str());
  EXPECT_EQ(candidates, c.candidates);
  EXPECT_EQ(view.error.value_or(""), c.error);
}

std::string no_search_registries(const std::string& input, const std::string& origin) {
  return "short-name \"" + input +
         "\" did not resolve to an alias and no unqualified-search registries are defined in \"" +
         (fixture_dir() / origin).string() + "\"";
}

const std::string kEnforced = "short-name resolution enforced but cannot prompt without a TTY";

// clang-format off
INSTANTIATE_TEST_SUITE_P(Fixtures, ShortNameTest, testing::Values(
    // Aliases first, keyed by the name as typed; the input's tag and digest carried over.
    ShortNameCase{"short-names.conf", "fedora", true, {"registry.fedoraproject.org/fedora:latest"}},
    ShortNameCase{"short-names.conf", "fedora:39", true, {"registry.fedoraproject.org/fedora:39"}},
    ShortNameCase{"short-names.conf", "fedora@" + kDigest, true, {"registry.fedoraproject.org/fedora@" + kDigest}},
    ShortNameCase{"short-names.conf", "fedora:39@" + kDigest, true, {"registry.fedoraproject.org/fedora:39@" + kDigest}},
    ShortNameCase{"short-names.conf", "library/alpine:3", true, {"quay.io/alpine-project/alpine:3"}},
    ShortNameCase{"short-names.conf", "ubi8", true, {"registry.access.redhat.com/ubi8:latest"}},
    // "alpine" is not the alias "library/alpine"; an empty alias value means no alias.
    ShortNameCase{"short-names.conf", "alpine", true, {"registry.fedoraproject.org/alpine:latest", "quay.io/alpine:latest", "docker.io/library/alpine:latest"}},
    ShortNameCase{"short-names.conf", "reset", true, {"registry.fedoraproject.org/reset:latest", "quay.io/reset:latest", "docker.io/library/reset:latest"}},
    ShortNameCase{"short-names.conf", "library/fedora", true, {"registry.fedoraproject.org/library/fedora:latest", "quay.io/library/fedora:latest", "docker.io/library/fedora:latest"}},
    ShortNameCase{"short-names.conf", "quay.io/a/b", false, {"quay.io/a/b:latest"}},
    ShortNameCase{"short-names.conf", "localhost/app", false, {"localhost/app:latest"}},
    ShortNameCase{"short-names.conf", "Busybox", false, {}, "cannot parse input: \"Busybox\": repository name must be lowercase"},
    ShortNameCase{"short-names.conf", "", false, {}, "cannot parse input: \"\": repository name must have at least one component"},
    // enforcing: one candidate is fine, several cannot be chosen without a prompt.
    ShortNameCase{"short-names-enforcing.conf", "fedora:39", true, {"registry.fedoraproject.org/fedora:39"}},
    ShortNameCase{"short-names-enforcing.conf", "alpine", true, {}, kEnforced},
    ShortNameCase{"short-names-enforcing.conf", "quay.io/a/b", false, {"quay.io/a/b:latest"}},
    ShortNameCase{"short-names-disabled.conf", "fedora@" + kDigest, true, {"quay.io/fedora@" + kDigest, "docker.io/library/fedora@" + kDigest}},
    ShortNameCase{"empty.conf", "fedora:39", true, {}, no_search_registries("fedora:39", "empty.conf")},
    // Drop-ins: aliases merge by name ("" resets), the search list comes from the main file.
    ShortNameCase{"dropins.conf", "app", true, {"aliases.example.com/app:latest"}},
    ShortNameCase{"dropins.conf", "gone", true, {"main.example.com/gone:latest"}},
    ShortNameCase{"dropins-clear-search.conf", "fedora", true, {}, no_search_registries("fedora", "dropins-clear-search.conf.d/10-clear.conf")}));
// clang-format on

TEST(ShortNameTest, WithoutAnyConfigurationFile) {
  const auto conf = load_registries_conf(ConfigLocation{
      .file = fixture_dir() / "absent.conf", .dropin_dir = {}, .file_is_optional = true});
  ASSERT_TRUE(conf) << conf.error().message;
  EXPECT_EQ(short_name_view(conf, "busybox").error,
            "short-name \"busybox\" did not resolve to an alias and no "
            "containers-registries.conf(5) was found");
}

TEST(ShortNameTest, ReportsHowItResolved) {
  const auto conf = load_fixture("short-names.conf");
  ASSERT_TRUE(conf);
  const std::string origin = (fixture_dir() / "short-names.conf").string();
  const ShortNameView alias = short_name_view(conf, "fedora");
  EXPECT_EQ(alias.rationale, ShortNameRationale::kAlias);
  EXPECT_EQ(alias.origin, origin);
  const ShortNameView search = short_name_view(conf, "alpine");
  EXPECT_EQ(search.rationale, ShortNameRationale::kUnqualifiedSearch);
  EXPECT_EQ(search.origin, origin);
  EXPECT_EQ(short_name_view(conf, "quay.io/a/b").rationale, ShortNameRationale::kNotShortName);
}

}  // namespace
}  // namespace nodeconf
