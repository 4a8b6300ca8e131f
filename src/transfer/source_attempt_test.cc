#include "transfer/source_attempt.h"

#include <gtest/gtest.h>

namespace transfer {
namespace {

using Piece = SourceAttempt::Piece;
using Outcome = SourceAttempt::Outcome;

SourceAttempt attempt(SourceRepository source, Piece piece, std::string reference,
                      Outcome outcome) {
  SourceAttempt made;
  made.source = std::move(source);
  made.piece = piece;
  made.reference = std::move(reference);
  made.outcome = outcome;
  return made;
}

TEST(SourceAttempt, DescribesAFailureCutOffPartWay) {
  SourceAttempt cut = attempt({"mirror.example/ns/app", true}, Piece::kBlob,
                              "mirror.example/ns/app@sha256:aa", Outcome::kFailed);
  cut.error = "reset";
  cut.bytes = 100;
  EXPECT_EQ(describe(cut),
            "mirror mirror.example/ns/app@sha256:aa: blob failed after 100 bytes: reset");
}

TEST(SourceAttempt, DescribesWhereATakeOverStarted) {
  SourceAttempt rest = attempt({"quay.io/ns/app", false}, Piece::kBlob, "quay.io/ns/app@sha256:aa",
                               Outcome::kServed);
  rest.offset = 100;
  rest.bytes = 50;
  EXPECT_EQ(describe(rest),
            "primary quay.io/ns/app@sha256:aa: blob served from byte 100 (50 bytes)");
}

TEST(SourceAttempt, DescribesASkipWithItsReason) {
  SourceAttempt skipped = attempt({"mirror.example/ns/app", true}, Piece::kManifest,
                                  "mirror.example/ns/app:v1", Outcome::kSkipped);
  skipped.error = "digest-only mirror";
  EXPECT_EQ(describe(skipped), "mirror mirror.example/ns/app:v1: skipped: digest-only mirror");
  EXPECT_EQ(outcome_name(skipped.outcome), "skipped");
  EXPECT_EQ(piece_name(Piece::kReferrers), "referrers");
}

TEST(SourceAttempt, LastManifestSourceIsTheLastServedManifest) {
  std::vector<SourceAttempt> attempts = {
      attempt({"mirror.example.com/app", true}, Piece::kManifest, "m", Outcome::kServed),
      attempt({"other.example.com/app", true}, Piece::kManifest, "o", Outcome::kFailed),
      attempt({"quay.io/app", false}, Piece::kBlob, "b", Outcome::kServed),
  };
  EXPECT_EQ(last_manifest_source(attempts).location, "mirror.example.com/app");
  attempts.push_back(attempt({"quay.io/app", false}, Piece::kManifest, "q", Outcome::kServed));
  EXPECT_EQ(last_manifest_source(attempts).location, "quay.io/app");
  EXPECT_EQ(last_manifest_source({}).location, "");
}

}  // namespace
}  // namespace transfer
