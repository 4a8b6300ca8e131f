// ImageChecker's node semantics against sources answered from tables: the node's order, the
// first source serving the manifest pulls everything, the decisive source of a failure,
// platforms, signatures, blocked and rejected images.
#include "verify/image_check.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "nodeconf/registries_conf_loader.h"
#include "oci/digest.h"
#include "testsupport/temp_dir.h"

namespace verify {
namespace {

constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";

class TableProbes final : public Probes {
 public:
  // Everything not in the tables is MISSING; a host in `down` answers `down[host]`.
  std::map<std::string, std::string> manifests;  // "host/repo@ref" -> body
  std::map<std::string, bool> blobs;             // "host/repo@digest" present
  std::map<std::string, Status> down;            // host -> status of every request
  std::map<std::string, std::vector<std::string>> tag_lists;
  int asked = 0;

  ManifestProbe manifest(const SourceRepository& source, std::string_view reference) override {
    std::lock_guard lock(mutex_);
    ++asked;
    if (const auto it = down.find(source.host); it != down.end()) {
      return ManifestProbe{.status = it->second, .reason = source.host + " is down"};
    }
    const auto found = manifests.find(source.location() + "@" + std::string(reference));
    if (found == manifests.end()) return ManifestProbe{.status = Status::kMissing};
    return ManifestProbe{.status = Status::kOk,
                         .body = found->second,
                         .media_type = nlohmann::json::parse(found->second).value("mediaType", ""),
                         .digest = oci::digest_of(found->second).str()};
  }
  Probe blob(const SourceRepository& source, const oci::Digest& digest) override {
    std::lock_guard lock(mutex_);
    ++asked;
    if (const auto it = down.find(source.host); it != down.end()) return Probe{it->second, "down"};
    if (blobs.contains(source.location() + "@" + digest.str())) return Probe{};
    return Probe{Status::kMissing, "blob " + digest.str() + " not found in " + source.location()};
  }
  oci::Result<std::vector<std::string>> tags(const SourceRepository& source) override {
    const auto it = tag_lists.find(source.location());
    if (it == tag_lists.end()) return oci::fail(oci::ErrorCode::kNameUnknown, "no such repository");
    return it->second;
  }

 private:
  std::mutex mutex_;
};

// Refuses or accepts as told, and remembers what it was asked.
class FakeSignaturePolicy final : public SignaturePolicy {
 public:
  SignatureCheck answer;
  std::string asked_source;
  std::string asked_reference;
  std::vector<std::string> asked_digests;  // every manifest checked, in order
  std::string refuse_digest;               // when set, only this manifest is refused

  SignatureCheck check(const nodeconf::PolicyDecision&, const SourceRepository& source,
                       const ManifestProbe& manifest, std::string_view logical_reference) override {
    asked_source = source.location();
    asked_reference = std::string(logical_reference);
    asked_digests.push_back(manifest.digest);
    if (!refuse_digest.empty() && manifest.digest != refuse_digest) return {};
    return answer;
  }
};

std::string descriptor_digest(std::string_view text) { return oci::digest_of(text).str(); }

struct Image {
  std::string manifest;
  std::string digest;
  std::string config;
  std::string layer;
};

Image make_image(std::string_view name) {
  Image image;
  image.config = descriptor_digest(std::string("config of ") + std::string(name));
  image.layer = descriptor_digest(std::string("layer of ") + std::string(name));
  image.manifest = nlohmann::json{{"schemaVersion", 2},
                                  {"mediaType", kOciManifest},
                                  {"config",
                                   {{"mediaType", "application/vnd.oci.image.config.v1+json"},
                                    {"digest", image.config},
                                    {"size", 10}}},
                                  {"layers",
                                   {{{"mediaType", "application/vnd.oci.image.layer.v1.tar"},
                                     {"digest", image.layer},
                                     {"size", 10}}}}}
                       .dump();
  image.digest = descriptor_digest(image.manifest);
  return image;
}

void store(TableProbes& probes, const std::string& repository, const Image& image,
           const std::string& tag = {}) {
  probes.manifests[repository + "@" + image.digest] = image.manifest;
  if (!tag.empty()) probes.manifests[repository + "@" + tag] = image.manifest;
  probes.blobs[repository + "@" + image.config] = true;
  probes.blobs[repository + "@" + image.layer] = true;
}

class ImageCheckTest : public ::testing::Test {
 protected:
  // Mirrors for quay.io/ns: mirror-a then mirror-b, digests only; tags at mirror-t.
  void SetUp() override {
    std::ofstream(dir_ / "registries.conf") << R"(
[[registry]]
prefix = "quay.io/ns"
location = "quay.io/ns"
[[registry.mirror]]
location = "mirror-a.example/ns"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "mirror-b.example/ns"
pull-from-mirror = "digest-only"
[[registry.mirror]]
location = "mirror-t.example/ns"
pull-from-mirror = "tag-only"

[[registry]]
location = "blocked.example"
blocked = true
)";
    conf_ = nodeconf::load_registries_conf(
        nodeconf::ConfigLocation{.file = dir_ / "registries.conf", .dropin_dir = dir_ / "none"});
    ASSERT_TRUE(conf_) << conf_.error().message;
  }

  ImageVerdict check(std::string_view image, const nodeconf::Policy* policy = nullptr,
                     std::vector<transfer::Platform> platforms = {}) {
    return ImageChecker(conf_, policy, probes_, signatures_, std::move(platforms)).check(image);
  }

  testsupport::TempDir dir_;
  oci::Result<nodeconf::RegistriesConf> conf_ = oci::fail(oci::ErrorCode::kInternal, "unset");
  TableProbes probes_;
  FakeSignaturePolicy signatures_;
};

TEST_F(ImageCheckTest, FirstMirrorServingTheManifestServesTheImage) {
  const Image app = make_image("app");
  store(probes_, "mirror-a.example/ns/app", app);
  const ImageVerdict verdict = check("quay.io/ns/app@" + app.digest);
  EXPECT_EQ(verdict.status, Status::kOk) << verdict.reason;
  EXPECT_EQ(verdict.served_by, "mirror-a.example/ns/app");
  EXPECT_EQ(verdict.manifest_digest, app.digest);
  ASSERT_EQ(verdict.sources.size(), 4u);  // mirror-t skipped, a, b and quay.io not asked
  EXPECT_EQ(verdict.sources[0].location, "mirror-t.example/ns/app");
  EXPECT_FALSE(verdict.sources[0].status);
  EXPECT_EQ(verdict.sources[1].status, Status::kOk);
  EXPECT_FALSE(verdict.sources[2].status);
  EXPECT_NE(verdict.sources[2].reason.find("not asked"), std::string::npos);
}

TEST_F(ImageCheckTest, AMissingManifestFallsThroughToTheNextSource) {
  const Image app = make_image("app");
  store(probes_, "mirror-b.example/ns/app", app);
  const ImageVerdict verdict = check("quay.io/ns/app@" + app.digest);
  EXPECT_EQ(verdict.status, Status::kOk) << verdict.reason;
  EXPECT_EQ(verdict.served_by, "mirror-b.example/ns/app");
  EXPECT_EQ(verdict.sources[1].status, Status::kMissing);
}

TEST_F(ImageCheckTest, ALayerMissingAtTheServingSourceFailsEvenIfALaterSourceHasIt) {
  const Image app = make_image("app");
  store(probes_, "mirror-a.example/ns/app", app);
  store(probes_, "mirror-b.example/ns/app", app);
  probes_.blobs.erase("mirror-a.example/ns/app@" + app.layer);
  const ImageVerdict verdict = check("quay.io/ns/app@" + app.digest);
  EXPECT_EQ(verdict.status, Status::kMissing);
  EXPECT_EQ(verdict.served_by, "mirror-a.example/ns/app");
  EXPECT_NE(verdict.reason.find(app.layer), std::string::npos) << verdict.reason;
  EXPECT_EQ(verdict.sources[1].missing, app.layer);
}

TEST_F(ImageCheckTest, TheDecisiveSourceSaysMoreThanUnreachable) {
  const Image app = make_image("app");
  probes_.down["mirror-a.example"] = Status::kUnreachable;
  probes_.down["mirror-b.example"] = Status::kUntrusted;
  probes_.down["quay.io"] = Status::kUnreachable;
  const ImageVerdict verdict = check("quay.io/ns/app@" + app.digest);
  EXPECT_EQ(verdict.status, Status::kUntrusted);
  EXPECT_TRUE(verdict.served_by.empty());
  EXPECT_NE(verdict.reason.find("mirror-b.example"), std::string::npos) << verdict.reason;
}

TEST_F(ImageCheckTest, AllUnreachableIsUnreachable) {
  probes_.down["mirror-a.example"] = Status::kUnreachable;
  probes_.down["mirror-b.example"] = Status::kUnreachable;
  probes_.down["quay.io"] = Status::kUnreachable;
  EXPECT_EQ(check("quay.io/ns/app@" + make_image("x").digest).status, Status::kUnreachable);
}

TEST_F(ImageCheckTest, TagsGoToTheTagOnlyMirror) {
  const Image app = make_image("app");
  store(probes_, "mirror-t.example/ns/app", app, "v1");
  const ImageVerdict verdict = check("quay.io/ns/app:v1");
  EXPECT_EQ(verdict.status, Status::kOk) << verdict.reason;
  EXPECT_EQ(verdict.served_by, "mirror-t.example/ns/app");
}

TEST_F(ImageCheckTest, BlockedRegistryIsBlocked) {
  const ImageVerdict verdict = check("blocked.example/app:v1");
  EXPECT_EQ(verdict.status, Status::kBlocked);
  EXPECT_EQ(probes_.asked, 0);
}

TEST_F(ImageCheckTest, PolicyRejectionIsBlockedWithoutARequest) {
  auto policy = nodeconf::Policy::parse(
      R"({"default":[{"type":"insecureAcceptAnything"}],
          "transports":{"docker":{"quay.io/ns/app":[{"type":"reject"}]}}})",
      "policy.json");
  ASSERT_TRUE(policy) << policy.error().message;
  const ImageVerdict verdict = check("quay.io/ns/app@" + make_image("app").digest, &*policy);
  EXPECT_EQ(verdict.status, Status::kBlocked);
  EXPECT_NE(verdict.reason.find("policy.json rejects"), std::string::npos);
  EXPECT_EQ(probes_.asked, 0);
}

std::string index_of(const std::vector<std::pair<Image, std::string>>& children) {
  nlohmann::json manifests = nlohmann::json::array();
  for (const auto& [image, arch] : children) {
    manifests.push_back({{"mediaType", kOciManifest},
                         {"digest", image.digest},
                         {"size", image.manifest.size()},
                         {"platform", {{"os", "linux"}, {"architecture", arch}}}});
  }
  return nlohmann::json{{"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", manifests}}
      .dump();
}

TEST_F(ImageCheckTest, EveryChildOfAnIndexOrEachPlatformsChild) {
  const Image amd = make_image("amd64");
  const Image arm = make_image("arm64");
  const std::string index = index_of({{amd, "amd64"}, {arm, "arm64"}});
  const std::string index_digest = oci::digest_of(index).str();
  probes_.manifests["mirror-a.example/ns/app@" + index_digest] = index;
  store(probes_, "mirror-a.example/ns/app", amd);
  // arm64's manifest is missing.
  const std::string image = "quay.io/ns/app@" + index_digest;
  const ImageVerdict all = check(image);
  EXPECT_EQ(all.status, Status::kMissing);
  EXPECT_NE(all.reason.find(arm.digest), std::string::npos) << all.reason;
  // The hint: the cluster may have no arm64 nodes.
  EXPECT_NE(all.reason.find("for linux/arm64; pass --platform"), std::string::npos) << all.reason;
  EXPECT_EQ(check(image, nullptr, {transfer::Platform{"linux", "amd64", ""}}).status, Status::kOk);
  const ImageVerdict s390x = check(image, nullptr, {transfer::Platform{"linux", "s390x", ""}});
  EXPECT_EQ(s390x.status, Status::kMissing);
}

TEST_F(ImageCheckTest, BuildAttestationsOfAnIndexAreNotRequired) {
  const Image amd = make_image("amd64");
  const Image attestation = make_image("attestation");  // never stored: no node pulls it
  nlohmann::json index = nlohmann::json::parse(index_of({{amd, "amd64"}}));
  index["manifests"].push_back(
      {{"mediaType", kOciManifest},
       {"digest", attestation.digest},
       {"size", attestation.manifest.size()},
       {"platform", {{"os", "unknown"}, {"architecture", "unknown"}}},
       {"annotations", {{"vnd.docker.reference.type", "attestation-manifest"}}}});
  const std::string body = index.dump();
  const std::string digest = oci::digest_of(body).str();
  probes_.manifests["mirror-a.example/ns/app@" + digest] = body;
  store(probes_, "mirror-a.example/ns/app", amd);
  const ImageVerdict verdict = check("quay.io/ns/app@" + digest);
  EXPECT_EQ(verdict.status, Status::kOk) << verdict.reason;
}

TEST_F(ImageCheckTest, AManifestWhoseBodyIsNotTheDigestAskedIsServedThereAndFails) {
  const Image app = make_image("app");
  const Image other = make_image("other");
  // mirror-a answers the digest with another image's body; mirror-b has the right one.
  probes_.manifests["mirror-a.example/ns/app@" + app.digest] = other.manifest;
  store(probes_, "mirror-a.example/ns/app", other);
  store(probes_, "mirror-b.example/ns/app", app);
  const ImageVerdict verdict = check("quay.io/ns/app@" + app.digest);
  EXPECT_EQ(verdict.status, Status::kError) << verdict.reason;
  EXPECT_EQ(verdict.served_by, "mirror-a.example/ns/app");
  EXPECT_NE(verdict.reason.find("mirror-a.example/ns/app"), std::string::npos) << verdict.reason;
  EXPECT_NE(verdict.reason.find(other.digest), std::string::npos) << verdict.reason;
  ASSERT_EQ(verdict.sources.size(), 4u);
  EXPECT_EQ(verdict.sources[1].status, Status::kError);
  EXPECT_FALSE(verdict.sources[2].status);  // mirror-b is never asked
}

TEST_F(ImageCheckTest, AChildWhoseBodyIsNotItsDigestFailsTheImage) {
  const Image amd = make_image("amd64");
  const Image other = make_image("other");
  const std::string index = index_of({{amd, "amd64"}});
  const std::string index_digest = oci::digest_of(index).str();
  probes_.manifests["mirror-a.example/ns/app@" + index_digest] = index;
  store(probes_, "mirror-a.example/ns/app", other);
  probes_.manifests["mirror-a.example/ns/app@" + amd.digest] = other.manifest;
  const ImageVerdict verdict = check("quay.io/ns/app@" + index_digest);
  EXPECT_EQ(verdict.status, Status::kError) << verdict.reason;
  EXPECT_NE(verdict.reason.find(amd.digest), std::string::npos) << verdict.reason;
}

nodeconf::Policy sigstore_policy() {
  auto policy = nodeconf::Policy::parse(
      R"({"default":[{"type":"insecureAcceptAnything"}],
          "transports":{"docker":{"quay.io/ns":[{"type":"sigstoreSigned",
             "keyData":"LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K",
             "signedIdentity":{"type":"matchRepository"}}]}}})",
      "policy.json");
  EXPECT_TRUE(policy) << policy.error().message;
  return *policy;
}

TEST_F(ImageCheckTest, SignaturesAreCheckedAtTheServingSourceForTheLogicalReference) {
  const nodeconf::Policy policy = sigstore_policy();
  const Image app = make_image("app");
  store(probes_, "mirror-b.example/ns/app", app);
  const ImageVerdict verdict = check("quay.io/ns/app@" + app.digest, &policy);
  EXPECT_EQ(verdict.status, Status::kOk) << verdict.reason;
  EXPECT_EQ(signatures_.asked_source, "mirror-b.example/ns/app");
  EXPECT_EQ(signatures_.asked_reference, "quay.io/ns/app@" + app.digest);
}

// As containers/image: each image a node pulls is checked, under its own digest; the index is
// not (its signature neither admits nor refuses anything).
TEST_F(ImageCheckTest, AnIndexIsJudgedByItsChildrensSignatures) {
  const nodeconf::Policy policy = sigstore_policy();
  const Image amd = make_image("amd64");
  const Image arm = make_image("arm64");
  const std::string index = index_of({{amd, "amd64"}, {arm, "arm64"}});
  const std::string index_digest = oci::digest_of(index).str();
  probes_.manifests["mirror-a.example/ns/app@" + index_digest] = index;
  store(probes_, "mirror-a.example/ns/app", amd);
  store(probes_, "mirror-a.example/ns/app", arm);
  const std::string image = "quay.io/ns/app@" + index_digest;

  EXPECT_EQ(check(image, &policy).status, Status::kOk);
  EXPECT_EQ(signatures_.asked_digests, (std::vector<std::string>{amd.digest, arm.digest}));
  EXPECT_EQ(signatures_.asked_reference, image);

  signatures_.asked_digests.clear();
  EXPECT_EQ(check(image, &policy, {transfer::Platform{"linux", "arm64", ""}}).status, Status::kOk);
  EXPECT_EQ(signatures_.asked_digests, std::vector<std::string>{arm.digest});

  // The arm64 image unsigned: refused without --platform (every child), and with its platform.
  signatures_.answer = SignatureCheck{Status::kUnsigned, "no signature", "arm-tag"};
  signatures_.refuse_digest = arm.digest;
  const ImageVerdict all = check(image, &policy);
  EXPECT_EQ(all.status, Status::kUnsigned);
  EXPECT_EQ(all.sources[1].missing, "arm-tag");
  EXPECT_EQ(check(image, &policy, {transfer::Platform{"linux", "amd64", ""}}).status, Status::kOk);
}

TEST_F(ImageCheckTest, ASignatureRefusalIsTheVerdict) {
  const nodeconf::Policy policy = sigstore_policy();
  const Image app = make_image("app");
  store(probes_, "mirror-a.example/ns/app", app);
  signatures_.answer = SignatureCheck{Status::kUnsigned, "no signature", "the-tag"};
  const ImageVerdict verdict = check("quay.io/ns/app@" + app.digest, &policy);
  EXPECT_EQ(verdict.status, Status::kUnsigned);
  EXPECT_EQ(verdict.sources[1].missing, "the-tag");
}

TEST_F(ImageCheckTest, NoSignatureCheckWithoutARequirement) {
  const Image app = make_image("app");
  store(probes_, "mirror-a.example/ns/app", app);
  signatures_.answer = SignatureCheck{Status::kUnsigned, "would refuse", ""};
  EXPECT_EQ(check("quay.io/ns/app@" + app.digest).status, Status::kOk);
  EXPECT_TRUE(signatures_.asked_source.empty());
}

TEST_F(ImageCheckTest, NoSignatureCheckForAnIncompleteImage) {
  const nodeconf::Policy policy = sigstore_policy();
  const Image app = make_image("app");
  store(probes_, "mirror-a.example/ns/app", app);
  probes_.blobs.erase("mirror-a.example/ns/app@" + app.config);
  EXPECT_EQ(check("quay.io/ns/app@" + app.digest, &policy).status, Status::kMissing);
  EXPECT_TRUE(signatures_.asked_source.empty());
}

}  // namespace
}  // namespace verify
