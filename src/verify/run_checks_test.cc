// run_checks: verdicts in the set's order, one callback per image, and a check that throws is
// that image's ERROR instead of the end of the process.
#include "verify/run_checks.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "verify/signature_policy.h"

namespace verify {
namespace {

// MISSING for every manifest; throws for the repository "ns/boom".
class ThrowingProbes final : public Probes {
 public:
  ManifestProbe manifest(const SourceRepository& source, std::string_view) override {
    if (source.repository == "ns/boom") throw std::runtime_error("probe bug");
    return ManifestProbe{.status = Status::kMissing};
  }
  Probe blob(const SourceRepository&, const oci::Digest&) override { return Probe{}; }
  oci::Result<std::vector<std::string>> tags(const SourceRepository&) override {
    return std::vector<std::string>{};
  }
};

class NoSignatures final : public SignaturePolicy {
 public:
  SignatureCheck check(const nodeconf::PolicyDecision&, const SourceRepository&,
                       const ManifestProbe&, std::string_view) override {
    return {};
  }
};

TEST(RunChecks, VerdictsInOrderAndAThrowingCheckIsAnError) {
  const oci::Result<nodeconf::RegistriesConf> conf = nodeconf::RegistriesConf{};
  ThrowingProbes probes;
  NoSignatures signatures;
  const ImageChecker checker(conf, nullptr, probes, signatures);
  std::vector<std::string> images;
  for (int i = 0; i < 20; ++i) images.push_back("quay.io/ns/app" + std::to_string(i) + ":v1");
  images.insert(images.begin() + 7, "quay.io/ns/boom:v1");
  int callbacks = 0;
  const std::vector<ImageVerdict> verdicts =
      run_checks(images, checker, 4, [&](const ImageVerdict&) { ++callbacks; });
  ASSERT_EQ(verdicts.size(), images.size());
  EXPECT_EQ(callbacks, static_cast<int>(images.size()));
  for (std::size_t i = 0; i < images.size(); ++i) {
    EXPECT_EQ(verdicts[i].image, images[i]);
    if (i == 7) {
      EXPECT_EQ(verdicts[i].status, Status::kError);
      EXPECT_NE(verdicts[i].reason.find("probe bug"), std::string::npos) << verdicts[i].reason;
    } else {
      EXPECT_EQ(verdicts[i].status, Status::kMissing) << verdicts[i].reason;
    }
  }
}

}  // namespace
}  // namespace verify
