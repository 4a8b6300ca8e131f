// How much of each quota is used, kept in memory so that a push asks the database nothing
// more than whether its blob is new to the namespace (docs/quotas.md).
//
// Usage is read from the store at start (correct()), then adjusted as this process links
// blobs and manifests, and read again periodically and after a GC run: what other replicas
// sharing the database pushed, and what deletes and GC freed, shows at that correction. The
// limit is soft across replicas (and between concurrent pushes of one process), as Harbor's is.
//
// Thread-safe. Calls marked blocking ask the store: run them on the blocking pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/registry.h"
#include "oci/error.h"
#include "registry/registry.h"
#include "server/quota_config.h"

namespace server {

struct QuotaUsage {
  std::string pattern{};
  std::uint64_t limit = 0;
  std::uint64_t used = 0;
};

class QuotaLedger {
 public:
  // What the ledger asks the store (metadata::Store::namespace_bytes and namespace_holds).
  struct Lookups {
    std::function<oci::Result<std::uint64_t>(const QuotaRule&)> bytes;
    std::function<oci::Result<bool>(const QuotaRule&, std::string_view digest)> holds;
  };
  // Indexes of quotas, in the order configured.
  using Quotas = std::vector<std::size_t>;

  // `metrics`, when given, gets regmirror_quota_{limit,used}_bytes and
  // regmirror_quota_denied_total, labelled by quota pattern. Usage starts at 0: correct() it.
  QuotaLedger(std::vector<QuotaRule> rules, Lookups lookups, metrics::Registry* metrics);
  QuotaLedger(const QuotaLedger&) = delete;
  QuotaLedger& operator=(const QuotaLedger&) = delete;

  // The quotas a push to `repository` counts against: every one whose namespace covers it.
  Quotas covering(std::string_view repository) const;
  // Blocking: those of `quotas` whose namespace does not hold `digest` yet, which linking it
  // adds to.
  oci::Result<Quotas> adding(const Quotas& quotas, std::string_view digest) const;
  // kDenied naming the first of `quotas` that `bytes` more would take over its limit (and
  // counted in regmirror_quota_denied_total); nothing when every one has room. Without
  // `with_usage`, only `bytes` above a limit itself are refused (bytes of a digest not known
  // yet, which the namespace may hold already).
  oci::Result<void> admit(const Quotas& quotas, std::uint64_t bytes, bool with_usage = true);
  // `bytes` linked into the namespaces of `quotas`.
  void charge(const Quotas& quotas, std::uint64_t bytes);

  // Blocking: reads every quota's usage from the store again. What this process charges
  // meanwhile is kept on top of what the store answers (counted twice until the next
  // correction rather than lost). A quota whose query fails keeps its usage; the first
  // error is returned.
  oci::Result<void> correct();

  std::vector<QuotaUsage> usage() const;

 private:
  struct Entry {
    QuotaRule rule;
    std::uint64_t used = 0;
    std::uint64_t charged = 0;  // every byte charged since start, for correct()
    metrics::Gauge* used_gauge = nullptr;
    metrics::Counter* denied = nullptr;
  };

  oci::Error denial(const Entry& entry, std::uint64_t bytes) const;

  const Lookups lookups_;
  mutable std::mutex mutex_;  // guards entries_' usage
  std::vector<Entry> entries_;
};

// The lookups of a ledger over `registry`'s store.
QuotaLedger::Lookups quota_lookups(registry::Registry& registry);

// How often `serve` reads every quota's usage from the store again (besides after GC runs).
inline constexpr std::chrono::seconds kQuotaCorrectionInterval{60};

}  // namespace server
