// The metrics a process exposes, written in the Prometheus text format 0.0.4 on request.
//
// A metric is a family (name, help, label names) of children, one per set of label values.
// Resolve a child once (`family.with({"manifest", "GET"})` takes a lock and a map lookup) and
// keep the reference: counting on it is then lock-free. Label values must come from a small,
// fixed set (a route, a method, a status, a configured upstream), never from a request (a
// repository, a tag, a digest), or the series never stop growing.
//
// Names are fixed in code, so a bad one is a programming error: registration throws
// std::invalid_argument, as does `with` given the wrong number of values.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/counter.h"
#include "metrics/gauge.h"
#include "metrics/histogram.h"

namespace metrics {

enum class Type { kCounter, kGauge, kHistogram };

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, Type type, std::vector<std::string> labels);
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  Type type() const { return type_; }
  const std::vector<std::string>& label_names() const { return labels_; }
  // HELP, TYPE and every sample.
  virtual void write(std::string& out) const = 0;

 protected:
  std::string name_;
  std::string help_;
  Type type_;
  std::vector<std::string> labels_;
};

template <class Metric>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels,
         std::vector<double> bounds = {});

  // The child of these label values, one per label name in order; made on first use.
  Metric& with(std::span<const std::string_view> values);
  Metric& with(std::initializer_list<std::string_view> values) {
    return with(std::span<const std::string_view>(values.begin(), values.size()));
  }
  // The one child of a family without labels.
  Metric& get() { return with({}); }

  void write(std::string& out) const override;

 private:
  std::vector<double> bounds_;  // histograms only
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>, std::less<>> children_;
};

class Registry;

// A callback metric stays registered while its Registration lives.
class [[nodiscard]] Registration {
 public:
  Registration() = default;
  Registration(Registry& registry, const FamilyBase* family)
      : registry_(&registry), family_(family) {}
  Registration(Registration&& other) noexcept;
  Registration& operator=(Registration&& other) noexcept;
  ~Registration();

 private:
  Registry* registry_ = nullptr;
  const FamilyBase* family_ = nullptr;
};

class Registry {
 public:
  // Registering a name again with the same type and labels returns the family made first (two
  // modules may count into one metric); with another type or labels it throws.
  Family<Counter>& counter(std::string_view name, std::string_view help,
                           std::vector<std::string> labels = {});
  Family<Gauge>& gauge(std::string_view name, std::string_view help,
                       std::vector<std::string> labels = {});
  Family<Histogram>& histogram(std::string_view name, std::string_view help,
                               std::vector<std::string> labels, std::span<const double> bounds);
  // A metric without labels whose value `read` gives at scrape time (a counter or a gauge).
  // `read` runs on the scraping thread, with the registry locked: it must not register.
  Registration callback(std::string_view name, std::string_view help, Type type,
                        std::function<double()> read);

  // Every metric in the text format 0.0.4, in the order registered.
  void write_text(std::string& out) const;

 private:
  friend class Registration;
  template <class F>
  F& add(std::string_view name, Type type, const std::vector<std::string>& labels,
         const std::function<std::unique_ptr<F>()>& make);
  void remove(const FamilyBase* family);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<FamilyBase>> families_;
};

// The process's registry: what GET /metrics shows, where every module above this one registers.
Registry& default_registry();

}  // namespace metrics
