#include "server/quota_ledger.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace server {
namespace {

// A store as the ledger sees it: bytes per namespace pattern and the digests each holds.
struct FakeStore {
  std::map<std::string, std::uint64_t> bytes;
  std::map<std::string, std::set<std::string>> held;
  bool fail = false;
  int byte_queries = 0;

  QuotaLedger::Lookups lookups() {
    return {
        .bytes = [this](const QuotaRule& rule) -> oci::Result<std::uint64_t> {
          ++byte_queries;
          if (fail) return oci::fail(oci::ErrorCode::kInternal, "database down");
          return bytes[rule.pattern];
        },
        .holds = [this](const QuotaRule& rule, std::string_view digest) -> oci::Result<bool> {
          if (fail) return oci::fail(oci::ErrorCode::kInternal, "database down");
          return held[rule.pattern].contains(std::string(digest));
        },
    };
  }
};

std::vector<QuotaRule> rules() {
  std::vector<QuotaRule> rules;
  for (const auto& [pattern, limit] : std::vector<std::pair<std::string, std::uint64_t>>{
           {"team/**", 1000}, {"**", 5000}, {"team/app", 300}}) {
    QuotaRule rule = parse_quota_pattern(pattern).value();
    rule.limit = limit;
    rules.push_back(std::move(rule));
  }
  return rules;
}

std::uint64_t used(const QuotaLedger& ledger, std::size_t quota) {
  return ledger.usage().at(quota).used;
}

TEST(QuotaLedger, NestedQuotasAllCover) {
  FakeStore store;
  QuotaLedger ledger(rules(), store.lookups(), nullptr);
  EXPECT_EQ(ledger.covering("team/app"), (QuotaLedger::Quotas{0, 1, 2}));
  EXPECT_EQ(ledger.covering("team/app/x"), (QuotaLedger::Quotas{0, 1}));
  EXPECT_EQ(ledger.covering("team"), (QuotaLedger::Quotas{0, 1}));
  EXPECT_EQ(ledger.covering("other"), (QuotaLedger::Quotas{1}));
}

TEST(QuotaLedger, StartsFromTheStoreAndCountsWhatIsCharged) {
  FakeStore store;
  store.bytes = {{"team/**", 600}, {"**", 2000}, {"team/app", 100}};
  QuotaLedger ledger(rules(), store.lookups(), nullptr);
  EXPECT_EQ(used(ledger, 0), 0u);
  ASSERT_TRUE(ledger.correct());
  EXPECT_EQ(used(ledger, 0), 600u);
  EXPECT_EQ(used(ledger, 1), 2000u);
  ledger.charge({0, 1}, 50);
  EXPECT_EQ(used(ledger, 0), 650u);
  EXPECT_EQ(used(ledger, 1), 2050u);
  EXPECT_EQ(used(ledger, 2), 100u);
}

TEST(QuotaLedger, AdmitsUpToTheLimitAndNamesTheQuotaOverIt) {
  FakeStore store;
  store.bytes = {{"team/**", 600}, {"**", 2000}, {"team/app", 100}};
  QuotaLedger ledger(rules(), store.lookups(), nullptr);
  ASSERT_TRUE(ledger.correct());
  EXPECT_TRUE(ledger.admit({0, 1}, 400));  // exactly at team/**'s limit
  auto refused = ledger.admit({0, 1}, 401);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, oci::ErrorCode::kDenied);
  EXPECT_EQ(refused.error().detail, "team/**");
  EXPECT_NE(refused.error().message.find("quota team/** exceeded: adding 401 bytes to its "
                                         "current usage of 600 bytes would exceed its "
                                         "configured upper limit of 1000 bytes"),
            std::string::npos)
      << refused.error().message;
  // The innermost quota refuses first when it is the tighter one.
  auto app = ledger.admit({0, 1, 2}, 250);
  ASSERT_FALSE(app);
  EXPECT_EQ(app.error().detail, "team/app");
  EXPECT_TRUE(ledger.admit({}, 1'000'000));  // no quota covers it
}

TEST(QuotaLedger, ABlobTheNamespaceHoldsAddsToNoQuota) {
  FakeStore store;
  store.held["team/**"] = {"sha256:a"};
  store.held["**"] = {"sha256:a", "sha256:b"};
  QuotaLedger ledger(rules(), store.lookups(), nullptr);
  EXPECT_EQ(ledger.adding({0, 1}, "sha256:a").value(), QuotaLedger::Quotas{});
  EXPECT_EQ(ledger.adding({0, 1}, "sha256:b").value(), QuotaLedger::Quotas{0});
  EXPECT_EQ(ledger.adding({0, 1}, "sha256:c").value(), (QuotaLedger::Quotas{0, 1}));
  store.fail = true;
  EXPECT_FALSE(ledger.adding({0}, "sha256:c"));
}

TEST(QuotaLedger, CorrectionKeepsWhatWasChargedMeanwhile) {
  FakeStore store;
  store.bytes = {{"team/**", 600}};
  QuotaLedger ledger(rules(), store.lookups(), nullptr);
  ASSERT_TRUE(ledger.correct());
  ledger.charge({0}, 100);
  // A delete and GC freed 500 bytes; another replica pushed 10.
  store.bytes["team/**"] = 210;
  ASSERT_TRUE(ledger.correct());
  EXPECT_EQ(used(ledger, 0), 210u);
  // A charge racing the correction's query is kept on top of its answer.
  bool charged = false;
  QuotaLedger* self = nullptr;
  QuotaLedger raced(rules(),
                    {.bytes = [&](const QuotaRule&) -> oci::Result<std::uint64_t> {
                       if (!charged) self->charge({0}, 7);
                       charged = true;
                       return 100;
                     },
                     .holds = {}},
                    nullptr);
  self = &raced;
  ASSERT_TRUE(raced.correct());
  EXPECT_EQ(used(raced, 0), 107u);
}

TEST(QuotaLedger, AFailedCorrectionKeepsTheUsage) {
  FakeStore store;
  store.bytes = {{"team/**", 600}};
  QuotaLedger ledger(rules(), store.lookups(), nullptr);
  ASSERT_TRUE(ledger.correct());
  store.fail = true;
  EXPECT_FALSE(ledger.correct());
  EXPECT_EQ(used(ledger, 0), 600u);
}

TEST(QuotaLedger, Metrics) {
  FakeStore store;
  store.bytes = {{"team/**", 600}};
  metrics::Registry registry;
  QuotaLedger ledger(rules(), store.lookups(), &registry);
  ASSERT_TRUE(ledger.correct());
  ledger.charge({0}, 1);
  EXPECT_FALSE(ledger.admit({0}, 1000));
  std::string text;
  registry.write_text(text);
  EXPECT_NE(text.find("regmirror_quota_limit_bytes{quota=\"team/**\"} 1000\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("regmirror_quota_used_bytes{quota=\"team/**\"} 601\n"), std::string::npos);
  EXPECT_NE(text.find("regmirror_quota_denied_total{quota=\"team/**\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("regmirror_quota_denied_total{quota=\"**\"} 0\n"), std::string::npos);
}

}  // namespace
}  // namespace server
