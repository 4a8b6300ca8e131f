#include "nodeconf/policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace nodeconf {
namespace {

const std::filesystem::path kFixtures =
    std::filesystem::path(REGMIRROR_SOURCE_DIR) / "src/nodeconf/testdata" / "policy";
const std::string kDigest = "sha256:" + std::string(64, '0');

std::filesystem::path fixture(std::string_view name) {
  return kFixtures / (std::string(name) + ".json");
}

std::string read_fixture(std::string_view name) {
  std::ifstream in(fixture(name), std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string_view name_of(PolicyVerdict verdict) {
  switch (verdict) {
    case PolicyVerdict::kAccept:
      return "accept";
    case PolicyVerdict::kReject:
      return "reject";
    case PolicyVerdict::kRequiresSignature:
      return "requires-signature";
  }
  return "?";
}

std::string repeated(std::string_view text, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += text;
  return out;
}

// Valid UTF-8 without control characters, so it prints (and goes into JSON) as one line.
bool is_one_clean_line(const std::string& text) {
  if (std::ranges::any_of(text, [](unsigned char c) { return c < 0x20; })) return false;
  try {
    nlohmann::json(text).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

constexpr auto kAccept = PolicyVerdict::kAccept;
constexpr auto kReject = PolicyVerdict::kReject;
constexpr auto kSignature = PolicyVerdict::kRequiresSignature;

struct EvaluationCase {
  std::string fixture;
  std::string reference;
  PolicyVerdict verdict;
  std::string scope;  // "" when a default applied
};

class PolicyEvaluationTest : public testing::TestWithParam<EvaluationCase> {};

TEST_P(PolicyEvaluationTest, AppliesTheMostSpecificScope) {
  const EvaluationCase& c = GetParam();
  const auto policy = load_policy(fixture(c.fixture));
  ASSERT_TRUE(policy) << policy.error().message;
  const PolicyDecision decision = policy->evaluate_docker(c.reference);
  EXPECT_EQ(decision.scope, c.scope) << decision.reason;
  EXPECT_EQ(name_of(decision.verdict), name_of(c.verdict)) << decision.reason;
  EXPECT_FALSE(decision.requirements.empty());
}

// Checked against containers/image 5.23.1 (the scope its lookup picks, and
// IsRunningImageAllowed on an unsigned image), except the sigstoreSigned fields 5.23.1 lacks.
const std::vector<EvaluationCase> kEvaluationCases = {
    EvaluationCase{"default_reject_only", "quay.io/a/b:v1", kReject, ""},
    EvaluationCase{"default_accept_only", "quay.io/a/b:v1", kAccept, ""},
    EvaluationCase{"default_with_empty_transports", "quay.io/a/b:v1", kAccept, ""},
    EvaluationCase{"docker_transport_without_scopes", "quay.io/a/b:v1", kReject, ""},
    // identity, repository, namespaces, host:port, host, wildcards: most specific first
    EvaluationCase{"scope_precedence", "reg.example.com:5000/ns/repo:v1", kReject,
                   "reg.example.com:5000/ns/repo:v1"},
    EvaluationCase{"scope_precedence", "reg.example.com:5000/ns/repo@" + kDigest, kAccept,
                   "reg.example.com:5000/ns/repo@" + kDigest},
    EvaluationCase{"scope_precedence", "reg.example.com:5000/ns/repo:v1@" + kDigest, kAccept,
                   "reg.example.com:5000/ns/repo@" + kDigest},
    EvaluationCase{"scope_precedence", "reg.example.com:5000/ns/repo:v2", kSignature,
                   "reg.example.com:5000/ns/repo"},
    EvaluationCase{"scope_precedence", "reg.example.com:5000/ns/repo", kSignature,
                   "reg.example.com:5000/ns/repo"},
    EvaluationCase{"scope_precedence", "reg.example.com:5000/ns/other:1", kAccept,
                   "reg.example.com:5000/ns"},
    EvaluationCase{"scope_precedence", "reg.example.com:5000/x:1", kSignature,
                   "reg.example.com:5000"},
    EvaluationCase{"scope_precedence", "reg.example.com/ns/repo:v1", kSignature, "reg.example.com"},
    EvaluationCase{"scope_precedence", "a.b.example.com/x:1", kSignature, "*.b.example.com"},
    EvaluationCase{"scope_precedence", "b.example.com/x:1", kAccept, "*.example.com"},
    EvaluationCase{"scope_precedence", "other.example.com:8443/x:1", kAccept, "*.example.com"},
    EvaluationCase{"scope_precedence", "example.com/x:1", kSignature, "*.com"},
    EvaluationCase{"scope_precedence", "example.org/x:1", kReject, ""},
    EvaluationCase{"wildcard_hosts", "x.internal.example.com:8443/a/b:c", kSignature,
                   "*.internal.example.com"},
    EvaluationCase{"wildcard_hosts", "internal.example.com/a:1", kAccept, "*.example.com"},
    EvaluationCase{"wildcard_hosts", "example.com/a:1", kReject, ""},
    EvaluationCase{"wildcard_hosts", "docker.io/library/busybox:latest", kSignature, "*.io"},
    EvaluationCase{"transport_default", "quay.io/blocked/x:1", kReject, "quay.io/blocked"},
    EvaluationCase{"transport_default", "quay.io/blockedx:1", kAccept, ""},
    EvaluationCase{"transport_default", "docker.io/library/busybox:latest", kAccept, ""},
    // scopes use the fully expanded name: "busybox", "docker.io/alpine" (for
    // docker.io/library/alpine) and "index.docker.io" never match
    EvaluationCase{"docker_io_spellings", "docker.io/library/busybox:latest", kAccept,
                   "docker.io/library/busybox"},
    EvaluationCase{"docker_io_spellings", "docker.io/library/alpine:3", kReject, ""},
    EvaluationCase{"docker_io_spellings", "docker.io/alpine/git:1", kSignature, "docker.io/alpine"},
    EvaluationCase{"docker_io_spellings", "docker.io/openshift/origin:v3", kSignature,
                   "docker.io/openshift"},
    EvaluationCase{"digest_scope", "quay.io/a/b@" + kDigest, kAccept, "quay.io/a/b@" + kDigest},
    EvaluationCase{"digest_scope", "quay.io/a/b:v1", kSignature, "quay.io/a/b:v1"},
    EvaluationCase{"digest_scope", "quay.io/a/b:v2", kReject, ""},
    EvaluationCase{"localhost_with_port", "localhost:5000/x:1", kAccept, "localhost:5000"},
    EvaluationCase{"localhost_with_port", "localhost:5001/x:1", kReject, ""},
    EvaluationCase{"localhost_with_port", "localhost/x:1", kSignature, "localhost"},
    // every requirement must allow the image, so any reject wins
    EvaluationCase{"requirement_lists", "example.com/accept-then-reject:1", kReject,
                   "example.com/accept-then-reject"},
    EvaluationCase{"requirement_lists", "example.com/signed-then-reject:1", kReject,
                   "example.com/signed-then-reject"},
    EvaluationCase{"requirement_lists", "example.com/signed-and-accept:1", kSignature,
                   "example.com/signed-and-accept"},
    EvaluationCase{"requirement_lists", "example.com/two-signatures:1", kSignature,
                   "example.com/two-signatures"},
    EvaluationCase{"requirement_lists", "example.com/accept-twice:1", kAccept,
                   "example.com/accept-twice"},
    EvaluationCase{"signed_by_variants", "example.com/key-path:1", kSignature,
                   "example.com/key-path"},
    EvaluationCase{"signed_by_variants", "example.com/key-paths-empty-list:1", kSignature,
                   "example.com/key-paths-empty-list"},
    EvaluationCase{"signed_by_variants", "example.com/key-data-empty:1", kSignature,
                   "example.com/key-data-empty"},
    EvaluationCase{"signed_by_variants", "example.com/remap-identity:1", kSignature,
                   "example.com/remap-identity"},
    // containers/image verifies only GPGKeys; other key types reject every signature
    EvaluationCase{"signed_by_variants", "example.com/x509:1", kReject, "example.com/x509"},
    EvaluationCase{"signed_by_variants", "example.com/signed-by-gpg-keys:1", kReject,
                   "example.com/signed-by-gpg-keys"},
    // as upstream, a bare "busybox" passes the remapIdentity prefix check (as a host name)
    EvaluationCase{"identity_remap_short_name_prefix", "quay.io/x:1", kSignature, "quay.io"},
    EvaluationCase{"sigstore_variants", "example.com/key-datas:1", kSignature,
                   "example.com/key-datas"},
    EvaluationCase{"sigstore_variants", "example.com/fulcio:1", kSignature, "example.com/fulcio"},
    EvaluationCase{"sigstore_variants", "example.com/pki:1", kSignature, "example.com/pki"},
    EvaluationCase{"signed_base_layer", "example.com/base:1", kReject, "example.com/base"},
    EvaluationCase{"signed_base_layer", "example.com/other:1", kAccept, ""},
    EvaluationCase{"other_transports", "docker.io/library/busybox:latest", kAccept, ""},
    EvaluationCase{"docker_scopes_are_not_validated", "quay.io/a/b:v1@" + kDigest, kAccept, ""},
    EvaluationCase{"man_page_locked_down", "docker.io/library/busybox:latest", kAccept,
                   "docker.io/library/busybox"},
    EvaluationCase{"man_page_locked_down", "x.temporary-project.example.com/y:1", kAccept,
                   "*.temporary-project.example.com"},
    EvaluationCase{"man_page_locked_down", "temporary-project.example.com/y:1", kReject, ""},
    EvaluationCase{"man_page_locked_down",
                   "hostname:5000/myns/sigstore-signed-with-full-references:1", kSignature,
                   "hostname:5000/myns/sigstore-signed-with-full-references"},
    EvaluationCase{"man_page_locked_down", "registry.access.redhat.com/ubi8/ubi-minimal:latest",
                   kSignature, "registry.access.redhat.com"},
    EvaluationCase{"openshift_cluster_image_policy",
                   "quay.io/openshift-release-dev/ocp-release@" + kDigest, kSignature,
                   "quay.io/openshift-release-dev/ocp-release"},
    EvaluationCase{"openshift_cluster_image_policy", "example.com/app:1", kSignature,
                   "example.com/app"},
    EvaluationCase{"openshift_cluster_image_policy", "quay.io/a/b:v1", kAccept, ""}};

INSTANTIATE_TEST_SUITE_P(Fixtures, PolicyEvaluationTest, testing::ValuesIn(kEvaluationCases),
                         [](const auto& info) {
                           return info.param.fixture + "_" + std::to_string(info.index);
                         });

struct InvalidCase {
  std::string fixture;
  std::string message;  // expected in the error, after the file name
};

class InvalidPolicyTest : public testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidPolicyTest, IsRejectedWithAClearError) {
  const InvalidCase& c = GetParam();
  const auto policy = load_policy(fixture(c.fixture));
  ASSERT_FALSE(policy) << "accepted " << c.fixture;
  const std::string& message = policy.error().message;
  EXPECT_TRUE(message.starts_with("invalid policy in \"" + fixture(c.fixture).string() + "\": "))
      << message;
  EXPECT_NE(message.find(c.message), std::string::npos) << message;
  EXPECT_TRUE(is_one_clean_line(message)) << message;
}

const std::vector<InvalidCase> kInvalidCases = {
    // JSON syntax
    InvalidCase{"truncated", "line 1, column 48: syntax error"},
    InvalidCase{"trailing_garbage", "expected end of input"},
    InvalidCase{"comment", "line 2, column 3"}, InvalidCase{"byte_order_mark", "byte-order mark"},
    InvalidCase{"empty_file", "unexpected end of input"},
    InvalidCase{"invalid_utf8", "ill-formed UTF-8"},
    InvalidCase{"lone_surrogate_escape", "surrogate"},
    InvalidCase{"duplicate_default", "duplicate key \"default\""},
    InvalidCase{"duplicate_scope", "duplicate key \"quay.io\""},
    InvalidCase{"duplicate_requirement_key", "duplicate key \"type\""},
    // structure
    InvalidCase{"top_level_array", "expected a JSON object, got array"},
    InvalidCase{"top_level_null", "expected a JSON object, got null"},
    InvalidCase{"default_missing", "default policy is missing"},
    InvalidCase{"default_empty", "default: list of verification policy requirements must not"},
    InvalidCase{"default_null", "default: list of verification policy requirements must not"},
    InvalidCase{"default_object", "default: expected an array of requirements, got object"},
    InvalidCase{"unknown_top_level_key", "unknown key \"transport\""},
    InvalidCase{"transports_null", "transports: expected a JSON object, got null"},
    InvalidCase{"transports_array", "transports: expected a JSON object, got array"},
    InvalidCase{"transport_scopes_array", "transports.docker: expected a JSON object"},
    InvalidCase{"scope_requirements_empty",
                "transports.docker[\"quay.io\"]: list of verification policy requirements"},
    InvalidCase{"scope_requirements_string", "expected an array of requirements, got string"},
    // requirements
    InvalidCase{"requirement_unknown_type",
                "default[0]: unknown policy requirement type \"acceptEverything\""},
    InvalidCase{"requirement_missing_type", "unknown policy requirement type \"\""},
    InvalidCase{"requirement_type_number", "default[0].type: expected a string, got number"},
    InvalidCase{"requirement_string", "default[0]: expected a JSON object, got string"},
    InvalidCase{"requirement_null", "unknown policy requirement type \"\""},
    InvalidCase{"reject_with_extra_key", "default[0]: unknown key \"reason\""},
    InvalidCase{"accept_with_extra_key", "transports.docker[\"\"][0]: unknown key \"insecure\""},
    InvalidCase{"signed_by_no_key", "none of them present"},
    InvalidCase{"signed_by_two_keys", "more than one present"},
    InvalidCase{"signed_by_bad_key_type", "invalid keyType \"PGPKeys\""},
    InvalidCase{"signed_by_missing_key_type", "invalid keyType \"\""},
    InvalidCase{"signed_by_empty_key_path",
                "exactly one of keyPath, keyPaths and keyData must be specified"},
    InvalidCase{"signed_by_null_key_paths",
                "exactly one of keyPath, keyPaths and keyData must be specified"},
    InvalidCase{"signed_by_key_paths_string", "keyPaths: expected an array, got string"},
    InvalidCase{"signed_by_key_data_not_base64", "keyData: invalid base64 data"},
    InvalidCase{"signed_by_key_data_unpadded", "keyData: invalid base64 data"},
    InvalidCase{"signed_by_unknown_key", "unknown key \"keyring\""},
    InvalidCase{"identity_unknown_type",
                "signedIdentity: unknown policy reference match type \"matchAnything\""},
    InvalidCase{"identity_null", "signedIdentity: unknown policy reference match type \"\""},
    InvalidCase{"identity_match_exact_extra_key", "unknown key \"dockerReference\""},
    InvalidCase{"identity_exact_reference_without_tag", "contains neither a tag nor digest"},
    InvalidCase{"identity_exact_reference_invalid", "invalid reference format"},
    InvalidCase{"identity_exact_reference_missing", "key \"dockerReference\" missing"},
    InvalidCase{"identity_exact_reference_bad_digest", "invalid reference format"},
    InvalidCase{"identity_exact_repository_uppercase", "repository name must be lowercase"},
    InvalidCase{"identity_remap_tagged_prefix", "prefix \"quay.io/a:latest\" is not valid"},
    InvalidCase{"sigstore_no_key", "exactly one of keyPath, keyPaths, keyData, keyDatas"},
    InvalidCase{"sigstore_two_keys", "exactly one of keyPath, keyPaths, keyData, keyDatas"},
    InvalidCase{"sigstore_key_paths_empty", "\"keyPaths\" contains no entries"},
    InvalidCase{"sigstore_fulcio_without_rekor", "must be specified if fulcio is used"},
    InvalidCase{"sigstore_fulcio_without_issuer", "fulcio: oidcIssuer not specified"},
    InvalidCase{"sigstore_fulcio_two_cas", "caPath and caData cannot be used simultaneously"},
    InvalidCase{"sigstore_fulcio_null", "fulcio: expected a JSON object, got null"},
    InvalidCase{"sigstore_two_rekor_keys", "at most one of rekorPublicKeyPath"},
    InvalidCase{"sigstore_pki_without_roots", "at least one of caRootsPath and caRootsData"},
    InvalidCase{"sigstore_pki_without_subject", "at least one of subjectEmail, subjectHostname"},
    InvalidCase{"sigstore_key_type", "unknown key \"keyType\""},
    InvalidCase{"signed_base_layer_without_identity", "key \"baseLayerIdentity\" missing"},
    // scopes of the transports that validate them
    InvalidCase{"dir_relative_scope",
                "transports.dir: invalid scope \"var/lib/images\": must be an absolute path"},
    InvalidCase{"dir_root_scope", "invalid scope \"/\": use the transport default"},
    InvalidCase{"dir_unclean_scope", "non-canonical format, perhaps try \"/var/images\""},
    InvalidCase{"oci_trailing_slash_scope", "perhaps try \"/srv/oci\""},
    InvalidCase{"docker_archive_scope", "supports no scope but the default"},
    InvalidCase{"tarball_scope", "supports no scope but the default"},
    InvalidCase{"docker_daemon_digest_scope", "cannot be a namespace"},
    InvalidCase{"storage_scope_without_store", "invalid reference"},
    InvalidCase{"storage_scope_relative_root", "path name is not absolute"},
    InvalidCase{"storage_scope_bad_image_id", "neither a valid digest nor a valid image ID"}};

INSTANTIATE_TEST_SUITE_P(Fixtures, InvalidPolicyTest, testing::ValuesIn(kInvalidCases),
                         [](const auto& info) { return info.param.fixture; });

TEST(PolicyTest, EveryFixtureHasACase) {
  std::set<std::string> covered;
  for (const EvaluationCase& c : kEvaluationCases) covered.insert(c.fixture);
  for (const InvalidCase& c : kInvalidCases) covered.insert(c.fixture);
  for (const auto& entry : std::filesystem::directory_iterator(kFixtures)) {
    EXPECT_TRUE(covered.contains(entry.path().stem().string())) << entry.path();
  }
}

TEST(PolicyTest, DecisionCarriesTheAppliedRequirementsAsWritten) {
  const auto policy = load_policy(fixture("man_page_locked_down"));
  ASSERT_TRUE(policy) << policy.error().message;
  const PolicyDecision decision =
      policy->evaluate_docker("registry.access.redhat.com/ubi8/ubi-minimal:latest");
  ASSERT_EQ(decision.requirements.size(), 1u);
  EXPECT_EQ(decision.requirements[0].type, "signedBy");
  EXPECT_EQ(decision.requirements[0].raw.value("keyPath", ""),
            "/etc/pki/rpm-gpg/RPM-GPG-KEY-redhat-release");
  EXPECT_EQ(decision.reason,
            "docker scope \"registry.access.redhat.com\" applies: requires signatures accepted by "
            "signedBy");
}

TEST(PolicyTest, ReasonSaysWhichDefaultApplied) {
  const auto transport_default = load_policy(fixture("transport_default"));
  ASSERT_TRUE(transport_default) << transport_default.error().message;
  EXPECT_EQ(transport_default->evaluate_docker("quay.io/other:1").reason,
            "no docker scope matches; the transports.docker default \"\" applies: "
            "insecureAcceptAnything accepts any image");

  const auto global_default = load_policy(fixture("default_reject_only"));
  ASSERT_TRUE(global_default) << global_default.error().message;
  EXPECT_EQ(global_default->evaluate_docker("quay.io/other:1").reason,
            "no docker scope matches; the global default applies: \"reject\" rejects every image");
}

TEST(PolicyTest, ReasonExplainsRequirementsThatAlwaysReject) {
  const auto policy = load_policy(fixture("signed_by_variants"));
  ASSERT_TRUE(policy) << policy.error().message;
  EXPECT_NE(policy->evaluate_docker("example.com/x509:1").reason.find("verifies only GPGKeys"),
            std::string::npos);
}

TEST(PolicyTest, ParseNamesTheSource) {
  const auto policy = Policy::parse("{", "inline policy");
  ASSERT_FALSE(policy);
  EXPECT_TRUE(policy.error().message.starts_with("invalid policy in \"inline policy\": "))
      << policy.error().message;
}

TEST(PolicyTest, MissingFileIsAnError) {
  const auto policy = load_policy(kFixtures / "no-such-policy.json");
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find("no-such-policy.json"), std::string::npos);
  EXPECT_NE(policy.error().message.find("No such file"), std::string::npos);
}

TEST(PolicyTest, DirectoryIsAnError) {
  const auto policy = load_policy(kFixtures);
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find("is a directory"), std::string::npos);
}

TEST(PolicyTest, DeepNestingIsAnErrorNotACrash) {
  for (const std::string& text :
       {std::string(1'000'000, '['), "{\"default\": " + std::string(100'000, '['),
        "{\"default\": [" + repeated("{\"a\": ", 100'000)}) {
    const auto policy = Policy::parse(text, "deep");
    ASSERT_FALSE(policy);
    EXPECT_NE(policy.error().message.find("nested deeper than"), std::string::npos)
        << policy.error().message;
  }
}

TEST(PolicyTest, TenMegabytesOfGarbageIsASyntaxError) {
  const auto policy = Policy::parse(std::string(10 << 20, 'x'), "garbage");
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find("line 1, column 1"), std::string::npos);
}

TEST(PolicyTest, TenMegabytePolicyIsReadWhole) {
  std::string text = R"({"default": [{"type": "reject"}], "transports": {"docker": {)";
  for (int i = 0; text.size() < (10 << 20); ++i) {
    text += "\"registry" + std::to_string(i) +
            ".example.com\": [{\"type\": \"insecureAcceptAnything\"}],";
  }
  text += R"("": [{"type": "reject"}]}}})";
  const auto policy = Policy::parse(text, "large");
  ASSERT_TRUE(policy) << policy.error().message;
  EXPECT_EQ(policy->evaluate_docker("registry12345.example.com/a:1").verdict, kAccept);
}

TEST(PolicyTest, FilesAbove16MiBAreRefused) {
  const std::filesystem::path file = testing::TempDir() + "/regmirror_policy_too_large.json";
  std::ofstream(file) << std::string((16 << 20) + 1, ' ');
  const auto policy = load_policy(file);
  std::filesystem::remove(file);
  ASSERT_FALSE(policy);
  EXPECT_NE(policy.error().message.find("larger than 16 MiB"), std::string::npos);
}

TEST(PolicyTest, LongValuesAreShortenedInErrors) {
  const std::string scope(1 << 20, 'a');
  const auto policy = Policy::parse(
      R"({"default": [{"type": "reject"}], "transports": {"dir": {")" + scope + R"(": []}}})",
      "long");
  ASSERT_FALSE(policy);
  EXPECT_LT(policy.error().message.size(), 400u) << policy.error().message;
}

TEST(PolicyTest, EveryTruncationIsAnError) {
  const std::string text = read_fixture("man_page_locked_down");
  ASSERT_FALSE(text.empty());
  for (std::size_t size = 0; size + 1 < text.size(); ++size) {
    const auto policy = Policy::parse(std::string_view(text).substr(0, size), "truncated");
    EXPECT_FALSE(policy) << "accepted the first " << size << " bytes";
  }
}

TEST(PolicyTest, RandomByteChangesNeverCrash) {
  const std::string original = read_fixture("sigstore_variants");
  std::mt19937 random(20240601);
  for (int round = 0; round < 3000; ++round) {
    std::string text = original;
    for (int change = 0; change < 1 + round % 4; ++change) {
      text[random() % text.size()] = static_cast<char>(random() % 256);
    }
    const auto policy = Policy::parse(text, "mutated");
    if (policy) {
      policy->evaluate_docker("example.com/key-path:1");
    } else {
      EXPECT_TRUE(is_one_clean_line(policy.error().message)) << policy.error().message;
    }
  }
}

}  // namespace
}  // namespace nodeconf
