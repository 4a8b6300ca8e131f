// Expected values were produced by containers/image 5.23.1's docker/reference on the same
// inputs (ParseNormalizedNamed, Parse, FamiliarString).
#include "oci/reference.h"

#include <gtest/gtest.h>

#include <string>

namespace oci {
namespace {

const std::string kDigest =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string repeat(std::string_view part, int times) {
  std::string text;
  for (int i = 0; i < times; ++i) text += part;
  return text;
}

struct NormalizeCase {
  std::string name;
  std::string input;
  std::string normalized;  // empty when an error is expected
  std::string familiar;
  std::string error = {};
};

class NormalizeTest : public testing::TestWithParam<NormalizeCase> {};

TEST_P(NormalizeTest, MatchesContainersImage) {
  const NormalizeCase& c = GetParam();
  auto parsed = Reference::parse_normalized(c.input);
  if (!c.error.empty()) {
    ASSERT_FALSE(parsed) << parsed->str();
    EXPECT_EQ(parsed.error().message, c.error);
    return;
  }
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->str(), c.normalized);
  EXPECT_EQ(parsed->familiar_str(), c.familiar);
}

INSTANTIATE_TEST_SUITE_P(
    Table, NormalizeTest,
    testing::Values(
        NormalizeCase{"OfficialImage", "busybox", "docker.io/library/busybox", "busybox"},
        NormalizeCase{"OfficialImageTag", "busybox:1.36", "docker.io/library/busybox:1.36",
                      "busybox:1.36"},
        NormalizeCase{"LibraryPrefix", "library/busybox", "docker.io/library/busybox", "busybox"},
        NormalizeCase{"DockerIoWithoutLibrary", "docker.io/busybox", "docker.io/library/busybox",
                      "busybox"},
        NormalizeCase{"LegacyIndexDomain", "index.docker.io/library/busybox:1",
                      "docker.io/library/busybox:1", "busybox:1"},
        NormalizeCase{"LibraryWithSubpathKeepsLibrary", "docker.io/library/busybox/sub",
                      "docker.io/library/busybox/sub", "library/busybox/sub"},
        NormalizeCase{"UserRepository", "someuser/somerepo:tag", "docker.io/someuser/somerepo:tag",
                      "someuser/somerepo:tag"},
        NormalizeCase{"OtherRegistry", "quay.io/podman/stable", "quay.io/podman/stable",
                      "quay.io/podman/stable"},
        NormalizeCase{"Localhost", "localhost/app", "localhost/app", "localhost/app"},
        NormalizeCase{"LocalhostPort", "localhost:5000/a/b:c", "localhost:5000/a/b:c",
                      "localhost:5000/a/b:c"},
        NormalizeCase{"BareLocalhostIsAnImage", "localhost", "docker.io/library/localhost",
                      "localhost"},
        NormalizeCase{"HostPortWithoutSlashIsATag", "test.com:5000",
                      "docker.io/library/test.com:5000", "test.com:5000"},
        NormalizeCase{"UnderscoreHostFallsBackToPath", "foo_bar.com/x", "foo_bar.com/x",
                      "foo_bar.com/x"},
        NormalizeCase{"UppercaseHostAllowed", "EXAMPLE.com/app:1", "EXAMPLE.com/app:1",
                      "EXAMPLE.com/app:1"},
        NormalizeCase{"IpAndPort", "10.0.0.1:5000/ns/app:1", "10.0.0.1:5000/ns/app:1",
                      "10.0.0.1:5000/ns/app:1"},
        NormalizeCase{"TagAndDigest", "example.com/app:1.0@" + kDigest,
                      "example.com/app:1.0@" + kDigest, "example.com/app:1.0@" + kDigest},
        NormalizeCase{"TagStartingWithUnderscore", "a:_t", "docker.io/library/a:_t", "a:_t"},
        NormalizeCase{"UppercasePath", "example.com/App:1", "", "",
                      "invalid reference format: repository name must be lowercase"},
        NormalizeCase{"UppercaseDigestAlgorithm", "example.com/app@SHA256:" + kDigest.substr(7), "",
                      "", "invalid reference format: repository name must be lowercase"},
        NormalizeCase{"UppercaseFirstComponent", "Uppercase/lowercase:tag", "", "",
                      "invalid reference format: repository name must be lowercase"},
        NormalizeCase{"UppercaseInUnparsableHost", "Foo_x.com/bar", "", "",
                      "repository name must be lowercase"},
        NormalizeCase{"InvalidUtf8", "example.com/a\xff", "", "",
                      "invalid reference format: repository name must be lowercase"},
        NormalizeCase{"TwoTags", "example.com/app:1:2", "", "", "invalid reference format"},
        NormalizeCase{"ShortDigest", "example.com/app@sha256:abc", "", "",
                      "invalid reference format"},
        NormalizeCase{"UnsupportedAlgorithm",
                      "example.com/app@md5:0123456789abcdef0123456789abcdef", "", "",
                      "unsupported digest algorithm"},
        NormalizeCase{"DigestLength", "example.com/app@sha256:" + repeat("f", 34), "", "",
                      "invalid checksum digest length"},
        NormalizeCase{"UppercaseDigestHex",
                      "example.com/app@sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA"
                      "495991B7852B855",
                      "", "", "invalid checksum digest format"},
        NormalizeCase{"EmptyComponent", "example.com//app:1", "", "", "invalid reference format"},
        NormalizeCase{"LeadingDash", "-example.com/app:1", "", "", "invalid reference format"},
        NormalizeCase{"Ipv6NotSupportedIn5_23", "[::1]:5000/app", "", "",
                      "invalid reference format"},
        NormalizeCase{"Empty", "", "", "", "invalid reference format"},
        NormalizeCase{"OnlyTag", ":justtag", "", "", "invalid reference format"},
        NormalizeCase{"TagStartingWithDot", "a:.t", "", "", "invalid reference format"},
        NormalizeCase{"Tag128", "a:" + repeat("t", 128), "docker.io/library/a:" + repeat("t", 128),
                      "a:" + repeat("t", 128)},
        NormalizeCase{"Tag129", "a:" + repeat("t", 129), "", "", "invalid reference format"},
        NormalizeCase{"HexIdentifier", kDigest.substr(7), "", "",
                      "invalid repository name (" + kDigest.substr(7) +
                          "), cannot specify 64-byte hexadecimal strings"},
        NormalizeCase{"NameTooLong", repeat("a/", 127) + "a:tag", "", "",
                      "repository name must not be more than 255 characters"}),
    [](const auto& info) { return info.param.name; });

struct ParseCase {
  std::string name;
  std::string input;
  std::string domain;
  std::string path;
  std::string tag = {};
  std::string digest = {};
  std::string error = {};
};

class ParseTest : public testing::TestWithParam<ParseCase> {};

TEST_P(ParseTest, SplitsWithoutNormalizing) {
  const ParseCase& c = GetParam();
  auto parsed = Reference::parse(c.input);
  if (!c.error.empty()) {
    ASSERT_FALSE(parsed) << parsed->str();
    EXPECT_EQ(parsed.error().message, c.error);
    return;
  }
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->domain(), c.domain);
  EXPECT_EQ(parsed->path(), c.path);
  EXPECT_EQ(parsed->tag(), c.tag);
  EXPECT_EQ(parsed->digest(), c.digest);
  EXPECT_EQ(parsed->str(), c.input);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseTest,
    testing::Values(
        ParseCase{"ShortName", "fedora", "", "fedora"},
        ParseCase{"FirstComponentLooksLikeADomain", "library/fedora:39", "library", "fedora", "39"},
        ParseCase{"UppercaseDomain", "Uppercase/lowercase:tag", "Uppercase", "lowercase", "tag"},
        ParseCase{"PortIsADomainBeforeSlash", "test:5000/repo", "test:5000", "repo"},
        ParseCase{"PortIsATagWithoutSlash", "test.com:5000", "", "test.com", "5000"},
        ParseCase{"DigestOnlyName", "fedora@" + kDigest, "", "fedora", "", kDigest},
        ParseCase{"TagAndDigest", "q.io/a:1@" + kDigest, "q.io", "a", "1", kDigest},
        ParseCase{"Sha512", "a@sha512:" + repeat("f", 128), "", "a", "",
                  "sha512:" + repeat("f", 128)},
        ParseCase{"Sha384", "a@sha384:" + repeat("a", 96), "", "a", "",
                  "sha384:" + repeat("a", 96)},
        ParseCase{"NameAt255", repeat("a/", 127) + "a:tag-puts-this-over-max", "a",
                  repeat("a/", 126) + "a", "tag-puts-this-over-max"},
        ParseCase{"Empty", "", "", "", "", "", "repository name must have at least one component"},
        ParseCase{"UppercasePath", "test:5000/Uppercase/lowercase:tag", "", "", "", "",
                  "repository name must be lowercase"},
        ParseCase{"NameTooLong", repeat("a/", 128) + "a:tag", "", "", "", "",
                  "repository name must not be more than 255 characters"},
        ParseCase{"BadCharacters", "aa/asdf$$^/aa", "", "", "", "", "invalid reference format"},
        ParseCase{"UnknownAlgorithm", "validname@invaliddigest:" + repeat("f", 64), "", "", "", "",
                  "unsupported digest algorithm"}),
    [](const auto& info) { return info.param.name; });

TEST(ReferenceTest, CanonicalParseRefusesWhatNormalizationWouldChange) {
  EXPECT_TRUE(Reference::parse_canonical("docker.io/library/busybox:1"));
  EXPECT_TRUE(Reference::parse_canonical("mirror.example.net:5000/a/b@" + kDigest));
  auto familiar = Reference::parse_canonical("busybox:1");
  ASSERT_FALSE(familiar);
  EXPECT_EQ(familiar.error().message, "repository name must be canonical");
  auto legacy = Reference::parse_canonical("index.docker.io/library/busybox");
  ASSERT_FALSE(legacy);
  EXPECT_EQ(legacy.error().message, "repository name must be canonical");
  auto host_port_tag = Reference::parse_canonical("mirror.example.net:5000:1");
  ASSERT_FALSE(host_port_tag);
  EXPECT_EQ(host_port_tag.error().message, "invalid reference format");
}

TEST(ReferenceTest, DefaultTagOnlyForNameOnlyReferences) {
  EXPECT_EQ(Reference::parse_normalized("busybox")->with_default_tag().str(),
            "docker.io/library/busybox:latest");
  EXPECT_EQ(Reference::parse_normalized("busybox:1")->with_default_tag().str(),
            "docker.io/library/busybox:1");
  EXPECT_EQ(Reference::parse_normalized("busybox@" + kDigest)->with_default_tag().str(),
            "docker.io/library/busybox@" + kDigest);
}

TEST(ReferenceTest, TagAndDigestReplacement) {
  auto alias = Reference::parse_normalized("registry.fedoraproject.org/fedora");
  ASSERT_TRUE(alias);
  EXPECT_EQ(alias->with_tag("39")->str(), "registry.fedoraproject.org/fedora:39");
  EXPECT_EQ(alias->with_tag("39")->with_digest(kDigest)->str(),
            "registry.fedoraproject.org/fedora:39@" + kDigest);
  EXPECT_EQ(alias->with_tag("-bad").error().message, "invalid tag format");
  EXPECT_EQ(alias->with_digest("sha256:abc").error().message, "invalid digest format");
  EXPECT_EQ(Reference::parse("a:1@" + kDigest)->name_only().str(), "a");
}

TEST(ReferenceTest, Accessors) {
  auto ref = Reference::parse_normalized("quay.io/ns/app:1@" + kDigest);
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref->domain(), "quay.io");
  EXPECT_EQ(ref->path(), "ns/app");
  EXPECT_EQ(ref->name(), "quay.io/ns/app");
  EXPECT_EQ(ref->tag(), "1");
  EXPECT_EQ(ref->digest(), kDigest);
  EXPECT_TRUE(ref->has_tag());
  EXPECT_TRUE(ref->has_digest());
  EXPECT_FALSE(ref->is_name_only());
  EXPECT_EQ(ref->familiar_name(), "quay.io/ns/app");
}

TEST(ReferenceTest, DomainSpelling) {
  EXPECT_TRUE(is_valid_reference_domain("quay.io"));
  EXPECT_TRUE(is_valid_reference_domain("localhost:5000"));
  EXPECT_TRUE(is_valid_reference_domain("Mirror.Example.NET"));
  EXPECT_FALSE(is_valid_reference_domain("quay.io/ns"));
  EXPECT_FALSE(is_valid_reference_domain("quay.io:"));
  EXPECT_FALSE(is_valid_reference_domain("-quay.io"));
  EXPECT_FALSE(is_valid_reference_domain("quay..io"));
  EXPECT_FALSE(is_valid_reference_domain(""));
}

}  // namespace
}  // namespace oci
