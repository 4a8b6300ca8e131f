#include "nodeconf/registries_d.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "testsupport/temp_dir.h"

namespace nodeconf {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kDigest =
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// containers-registries.d(5)'s example, with the old key names beside the new ones.
constexpr std::string_view kExample = R"(
docker:
  privateregistry.com:
    lookaside: http://privateregistry.com/sigstore/
    lookaside-staging: /mnt/nfs/privateregistry/sigstore
  privateregistry.com/specialproject:
    sigstore: http://specialproject.example.com/sigstore/
    sigstore-staging: file:///mnt/staging
  privateregistry.com/special/attachments-only:
    use-sigstore-attachments: false
  "*.example.org":
    lookaside: https://wildcard.example.org/sigs
default-docker:
  lookaside: file:///var/lib/containers/sigstore
  use-sigstore-attachments: true
)";

RegistriesD example() {
  oci::Result<RegistriesD> parsed = RegistriesD::parse(kExample, "example.yaml");
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? *parsed : RegistriesD();
}

void write(const fs::path& path, std::string_view text) { std::ofstream(path) << text; }

TEST(RegistriesD, PicksTheMostSpecificScopeThenDefaultDocker) {
  const RegistriesD config = example();
  EXPECT_EQ(config.lookaside("privateregistry.com/app"), "http://privateregistry.com/sigstore/");
  EXPECT_EQ(config.lookaside("privateregistry.com/specialproject/app"),
            "http://specialproject.example.com/sigstore/");
  EXPECT_EQ(config.lookaside("privateregistry.com/specialproject"),
            "http://specialproject.example.com/sigstore/");
  // An entry without a URL passes the lookup on to its parents.
  EXPECT_EQ(config.lookaside("privateregistry.com/special/attachments-only"),
            "http://privateregistry.com/sigstore/");
  EXPECT_EQ(config.lookaside("registry.example.org/ns/app"), "https://wildcard.example.org/sigs");
  EXPECT_EQ(config.lookaside("quay.io/ns/app"), "file:///var/lib/containers/sigstore");
  // A scope is not a string prefix.
  EXPECT_EQ(config.lookaside("privateregistry.com/specialprojectx/app"),
            "http://privateregistry.com/sigstore/");
}

TEST(RegistriesD, UseSigstoreAttachmentsTakesTheFirstScopeThatSetsIt) {
  const RegistriesD config = example();
  EXPECT_FALSE(config.use_sigstore_attachments("privateregistry.com/special/attachments-only"));
  EXPECT_TRUE(config.use_sigstore_attachments("privateregistry.com/app"));
  EXPECT_FALSE(RegistriesD().use_sigstore_attachments("quay.io/ns/app"));
}

TEST(RegistriesD, ATaggedReferenceLooksAtItsOwnEntryFirst) {
  oci::Result<RegistriesD> config = RegistriesD::parse(
      "docker:\n  quay.io/ns/app:v1:\n    lookaside: file:///tagged\n"
      "  quay.io/ns/app:\n    lookaside: file:///repo\n",
      "t.yaml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->lookaside("quay.io/ns/app:v1"), "file:///tagged");
  EXPECT_EQ(config->lookaside("quay.io/ns/app"), "file:///repo");
  EXPECT_EQ(config->lookaside("quay.io/ns/app:v2"), "file:///repo");
}

TEST(RegistriesD, NothingConfiguredIsNoLookaside) {
  for (std::string_view empty :
       {"", "# nothing\n", "docker:\n", "default-docker:\n", "docker:\n  quay.io:\n"}) {
    oci::Result<RegistriesD> config = RegistriesD::parse(empty, "empty.yaml");
    ASSERT_TRUE(config) << empty << ": " << config.error().message;
    EXPECT_EQ(config->lookaside("quay.io/ns/app"), std::nullopt) << empty;
  }
}

TEST(RegistriesD, RefusesWrongTypes) {
  for (std::string_view bad : {
           "- a list\n",
           "just a string\n",
           "docker: [a, b]\n",           // docker must be a mapping
           "docker: file:///x\n",        //
           "default-docker: [x]\n",      //
           "docker:\n  quay.io: [x]\n",  // a scope must be a mapping
           "docker:\n  quay.io:\n    lookaside: [x]\n",
           "docker:\n  quay.io:\n    lookaside: {a: b}\n",
           "docker:\n  quay.io:\n    use-sigstore-attachments: \"true\"\n",
           "docker:\n  quay.io:\n    use-sigstore-attachments: maybe\n",
           "docker:\n  quay.io:\n    use-sigstore-attachments: [true]\n",
           "docker:\n  [a, b]: {lookaside: file:///x}\n",  // a key that is not a string
           "docker:\n  quay.io: {lookaside: file:///a}\n  quay.io: {lookaside: file:///b}\n",
           "default-docker: {lookaside: file:///a, lookaside: file:///b}\n",
       }) {
    oci::Result<RegistriesD> config = RegistriesD::parse(bad, "bad.yaml");
    EXPECT_FALSE(config) << bad;
    if (!config) {
      EXPECT_TRUE(config.error().message.starts_with("parsing bad.yaml: ")) << bad;
    }
  }
}

TEST(RegistriesD, IgnoresUnknownKeysAsContainersImage) {
  oci::Result<RegistriesD> config = RegistriesD::parse(
      "lookaside: file:///top\n"
      "docker:\n  quay.io:\n    use-cosign-attachments: true\n    lookasides: file:///x\n"
      "    lookaside: file:///sigs\n",
      "newer.yaml");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->lookaside("quay.io/ns/app"), "file:///sigs");
  EXPECT_FALSE(config->use_sigstore_attachments("quay.io/ns/app"));
}

TEST(RegistriesD, RefusesMalformedAndTruncatedYaml) {
  for (const std::string& bad : {
           std::string("docker: {quay.io: {lookaside: file:///x}\n"),
           std::string("docker: *undefined\n"),
           std::string("\xff\xfe\x00\x01garbage[{", 13),
           std::string("docker:\n  quay.io:\n    lookaside: 'file:///x"),
       }) {
    EXPECT_FALSE(RegistriesD::parse(bad, "bad.yaml")) << bad;
  }
}

TEST(RegistriesD, AliasBombIsNotExpanded) {
  // A billion laughs: each level nine aliases of the one before.
  std::string bomb = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int level = 1; level < 10; ++level) {
    std::string name = "a";
    name += std::to_string(level);
    std::string previous = "*a";
    previous += std::to_string(level - 1);
    bomb.append(name).append(": &").append(name).append(" [").append(previous);
    for (int i = 1; i < 9; ++i) bomb.append(", ").append(previous);
    bomb += "]\n";
  }
  // Under keys nobody reads it is ignored, never walked; where a mapping is read it is refused.
  EXPECT_TRUE(RegistriesD::parse(bomb, "bomb.yaml"));
  EXPECT_FALSE(RegistriesD::parse(bomb + "docker: *a9\n", "bomb.yaml"));
  EXPECT_FALSE(RegistriesD::parse(bomb + "docker:\n  quay.io: *a9\n", "bomb.yaml"));
  EXPECT_FALSE(RegistriesD::parse("docker:\n  quay.io: &x {lookaside: *x}\n", "bomb.yaml"));
  // Aliases of plain values are fine, as in any YAML.
  oci::Result<RegistriesD> aliased = RegistriesD::parse(
      "docker:\n  a.io: &ns {lookaside: file:///shared}\n  b.io: *ns\n", "alias.yaml");
  ASSERT_TRUE(aliased) << aliased.error().message;
  EXPECT_EQ(aliased->lookaside("b.io/app"), "file:///shared");
}

TEST(RegistriesD, DeepNestingIsRefusedNotACrash) {
  const std::string deep = "docker: " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  EXPECT_FALSE(RegistriesD::parse(deep, "deep.yaml"));
}

TEST(RegistriesDLoad, MergesTheYamlFilesOfADirectory) {
  testsupport::TempDir dir;
  write(dir / "a.yaml", "docker:\n  quay.io:\n    lookaside: file:///quay\n");
  write(dir / "b.yaml", "default-docker:\n  lookaside: file:///default\n");
  write(dir / "ignored.yml", "not: [valid");
  write(dir / "README", "not yaml at all: [");
  oci::Result<RegistriesD> config = RegistriesD::load(dir.path());
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->lookaside("quay.io/ns/app"), "file:///quay");
  EXPECT_EQ(config->lookaside("docker.io/library/busybox"), "file:///default");
}

TEST(RegistriesDLoad, AMissingDirectoryIsAnEmptyConfig) {
  testsupport::TempDir dir;
  oci::Result<RegistriesD> config = RegistriesD::load(dir / "absent");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->lookaside("quay.io/ns/app"), std::nullopt);
}

TEST(RegistriesDLoad, RefusesAScopeOrDefaultDockerSetTwice) {
  testsupport::TempDir dir;
  write(dir / "a.yaml", "docker:\n  quay.io/ns:\n    lookaside: file:///a\n");
  write(dir / "b.yaml", "docker:\n  quay.io/ns:\n    lookaside: file:///b\n");
  oci::Result<RegistriesD> scopes = RegistriesD::load(dir.path());
  ASSERT_FALSE(scopes);
  EXPECT_EQ(scopes.error().message,
            "Error parsing signature storage configuration: \"docker\" namespace \"quay.io/ns\" "
            "defined both in \"" +
                (dir / "a.yaml").string() + "\" and \"" + (dir / "b.yaml").string() + "\"");

  testsupport::TempDir other;
  write(other / "a.yaml", "default-docker:\n  lookaside: file:///a\n");
  write(other / "b.yaml", "default-docker:\n  sigstore: file:///b\n");
  oci::Result<RegistriesD> defaults = RegistriesD::load(other.path());
  ASSERT_FALSE(defaults);
  EXPECT_NE(defaults.error().message.find("\"default-docker\" defined both in"), std::string::npos);
}

TEST(RegistriesDLoad, RefusesOversizedAndUnreadableFiles) {
  testsupport::TempDir dir;
  write(dir / "huge.yaml", "# " + std::string(kMaxRegistriesDFileBytes, 'x') + "\n");
  oci::Result<RegistriesD> huge = RegistriesD::load(dir.path());
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find("larger than"), std::string::npos);

  testsupport::TempDir with_dir;
  fs::create_directory(with_dir / "sub.yaml");
  EXPECT_FALSE(RegistriesD::load(with_dir.path()));

  testsupport::TempDir broken;
  write(broken / "a.yaml", "docker: [");
  oci::Result<RegistriesD> malformed = RegistriesD::load(broken.path());
  ASSERT_FALSE(malformed);
  EXPECT_NE(malformed.error().message.find((broken / "a.yaml").string()), std::string::npos);
}

TEST(LookasideSignatureUrl, FollowsContainersImageLayout) {
  EXPECT_EQ(
      lookaside_signature_url("file:///var/lib/containers/sigstore", "quay.io/ns/app", kDigest, 1),
      "file:///var/lib/containers/sigstore/ns/app@sha256="
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/signature-1");
  // The base is used as written: a trailing slash gives a double one, as in Go.
  EXPECT_EQ(lookaside_signature_url("https://sigs.example.com/store/", "127.0.0.1:5000/app:v1",
                                    kDigest, 12),
            "https://sigs.example.com/store//app@sha256="
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/signature-12");
  EXPECT_EQ(lookaside_signature_url(
                "https://sigs.example.com/s?token=a#f",
                std::string("docker.io/library/busybox@") + std::string(kDigest), kDigest, 2),
            "https://sigs.example.com/s/library/busybox@sha256="
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/signature-2"
            "?token=a#f");
}

}  // namespace
}  // namespace nodeconf
