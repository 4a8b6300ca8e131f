#include "server/quota_ledger.h"

#include <fmt/format.h>

namespace server {

QuotaLedger::QuotaLedger(std::vector<QuotaRule> rules, Lookups lookups, metrics::Registry* metrics)
    : lookups_(std::move(lookups)) {
  for (QuotaRule& rule : rules) entries_.push_back(Entry{.rule = std::move(rule)});
  if (metrics == nullptr) return;
  auto& limits = metrics->gauge("regmirror_quota_limit_bytes",
                                "The configured byte limit of each quota.", {"quota"});
  auto& used = metrics->gauge(
      "regmirror_quota_used_bytes",
      "Bytes each quota's namespace holds, as this process counts them (corrected periodically).",
      {"quota"});
  auto& denied = metrics->counter("regmirror_quota_denied_total",
                                  "Pushes refused because they would exceed a quota.", {"quota"});
  for (Entry& entry : entries_) {
    limits.with({entry.rule.pattern}).set(static_cast<double>(entry.rule.limit));
    entry.used_gauge = &used.with({entry.rule.pattern});
    entry.used_gauge->set(0);
    entry.denied = &denied.with({entry.rule.pattern});
  }
}

QuotaLedger::Quotas QuotaLedger::covering(std::string_view repository) const {
  Quotas quotas;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].rule.covers(repository)) quotas.push_back(i);
  }
  return quotas;
}

oci::Result<QuotaLedger::Quotas> QuotaLedger::adding(const Quotas& quotas,
                                                     std::string_view digest) const {
  Quotas added;
  for (std::size_t i : quotas) {
    auto held = lookups_.holds(entries_[i].rule, digest);
    if (!held) return std::unexpected(std::move(held.error()));
    if (!*held) added.push_back(i);
  }
  return added;
}

oci::Error QuotaLedger::denial(const Entry& entry, std::uint64_t bytes) const {
  // Harbor's wording, which operators and clients' users know.
  return oci::Error{
      oci::ErrorCode::kDenied,
      fmt::format("quota {} exceeded: adding {} bytes to its current usage of {} bytes would "
                  "exceed its configured upper limit of {} bytes",
                  entry.rule.pattern, bytes, entry.used, entry.rule.limit),
      entry.rule.pattern};
}

oci::Result<void> QuotaLedger::admit(const Quotas& quotas, std::uint64_t bytes, bool with_usage) {
  std::lock_guard lock(mutex_);
  for (std::size_t i : quotas) {
    Entry& entry = entries_[i];
    const std::uint64_t used = with_usage ? entry.used : 0;
    if (used <= entry.rule.limit && bytes <= entry.rule.limit - used) continue;
    if (entry.denied != nullptr) entry.denied->inc();
    return std::unexpected(denial(entry, bytes));
  }
  return {};
}

void QuotaLedger::charge(const Quotas& quotas, std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  for (std::size_t i : quotas) {
    Entry& entry = entries_[i];
    entry.used += bytes;
    entry.charged += bytes;
    if (entry.used_gauge != nullptr) entry.used_gauge->set(static_cast<double>(entry.used));
  }
}

oci::Result<void> QuotaLedger::correct() {
  oci::Result<void> result;
  for (Entry& entry : entries_) {
    std::uint64_t charged_before = 0;
    {
      std::lock_guard lock(mutex_);
      charged_before = entry.charged;
    }
    auto bytes = lookups_.bytes(entry.rule);
    if (!bytes) {
      if (result) result = std::unexpected(std::move(bytes.error()));
      continue;
    }
    std::lock_guard lock(mutex_);
    entry.used = *bytes + (entry.charged - charged_before);
    if (entry.used_gauge != nullptr) entry.used_gauge->set(static_cast<double>(entry.used));
  }
  return result;
}

QuotaLedger::Lookups quota_lookups(registry::Registry& registry) {
  return {
      .bytes =
          [&registry](const QuotaRule& rule) {
            return registry.namespace_bytes(rule.prefix, rule.subtree);
          },
      .holds =
          [&registry](const QuotaRule& rule, std::string_view digest) {
            return registry.namespace_holds(rule.prefix, rule.subtree, digest);
          },
  };
}

std::vector<QuotaUsage> QuotaLedger::usage() const {
  std::lock_guard lock(mutex_);
  std::vector<QuotaUsage> usage;
  usage.reserve(entries_.size());
  for (const Entry& entry : entries_) {
    usage.push_back({entry.rule.pattern, entry.rule.limit, entry.used});
  }
  return usage;
}

}  // namespace server
