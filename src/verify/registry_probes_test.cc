// RegistryProbes against a loopback port nothing listens on: the failure is UNREACHABLE, and
// remembered for the host, so later pieces on it are not asked again.
#include "verify/registry_probes.h"

#include <gtest/gtest.h>

#include <string>

#include "testsupport/free_port.h"

namespace verify {
namespace {

TEST(RegistryProbes, AnUnreachableHostIsAskedOnce) {
  RegistryProbes probes(NodeTrust{.retry = client::RetryPolicy{.attempts = 1},
                                  .connect_timeout = std::chrono::seconds(5)});
  const std::string host = "127.0.0.1:" + std::to_string(testsupport::free_port());
  const SourceRepository app{.host = host, .repository = "ns/app"};
  const SourceRepository db{.host = host, .repository = "ns/db"};
  const ManifestProbe manifest = probes.manifest(app, "v1");
  EXPECT_EQ(manifest.status, Status::kUnreachable) << manifest.reason;
  EXPECT_EQ(probes.manifest(db, "v2").status, Status::kUnreachable);
  const oci::Digest digest = oci::digest_of("layer");
  EXPECT_EQ(probes.blob(db, digest).status, Status::kUnreachable);
  EXPECT_FALSE(probes.tags(app));
  EXPECT_EQ(probes.requests(), 1);
}

}  // namespace
}  // namespace verify
