#include "metrics/registry.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "metrics/text_format.h"

namespace metrics {
namespace {

std::string_view type_name(Type type) {
  switch (type) {
    case Type::kCounter:
      return "counter";
    case Type::kGauge:
      return "gauge";
    case Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

std::vector<Label> labels_of(const std::vector<std::string>& names,
                             const std::vector<std::string>& values) {
  std::vector<Label> labels;
  labels.reserve(names.size() + 1);
  for (std::size_t i = 0; i < names.size(); ++i) labels.push_back({names[i], values[i]});
  return labels;
}

void check_names(std::string_view name, const std::vector<std::string>& labels, Type type) {
  if (!valid_metric_name(name)) {
    throw std::invalid_argument("metrics: invalid metric name \"" + std::string(name) + "\"");
  }
  for (const std::string& label : labels) {
    if (!valid_label_name(label) || (type == Type::kHistogram && label == "le")) {
      throw std::invalid_argument("metrics: invalid label name \"" + label + "\" of " +
                                  std::string(name));
    }
  }
}

void check_bounds(std::string_view name, std::span<const double> bounds) {
  const bool finite =
      std::all_of(bounds.begin(), bounds.end(), [](double bound) { return std::isfinite(bound); });
  const bool ascending =
      std::adjacent_find(bounds.begin(), bounds.end(), std::greater_equal<>()) == bounds.end();
  if (bounds.empty() || bounds.size() > Histogram::kMaxBounds || !finite || !ascending) {
    throw std::invalid_argument("metrics: histogram " + std::string(name) +
                                " needs 1 to 24 finite ascending bounds");
  }
}

// A metric whose value is read when scraped.
class CallbackFamily final : public FamilyBase {
 public:
  CallbackFamily(std::string name, std::string help, Type type, std::function<double()> read)
      : FamilyBase(std::move(name), std::move(help), type, {}), read_(std::move(read)) {}

  void write(std::string& out) const override {
    append_header(out, name_, help_, type_name(type_));
    append_sample(out, name_, {}, read_());
  }

 private:
  std::function<double()> read_;
};

}  // namespace

FamilyBase::FamilyBase(std::string name, std::string help, Type type,
                       std::vector<std::string> labels)
    : name_(std::move(name)), help_(std::move(help)), type_(type), labels_(std::move(labels)) {}

template <class Metric>
Family<Metric>::Family(std::string name, std::string help, std::vector<std::string> labels,
                       std::vector<double> bounds)
    : FamilyBase(std::move(name), std::move(help),
                 std::is_same_v<Metric, Counter>
                     ? Type::kCounter
                     : (std::is_same_v<Metric, Gauge> ? Type::kGauge : Type::kHistogram),
                 std::move(labels)),
      bounds_(std::move(bounds)) {}

template <class Metric>
Metric& Family<Metric>::with(std::span<const std::string_view> values) {
  if (values.size() != labels_.size()) {
    throw std::invalid_argument("metrics: " + name_ + " takes " + std::to_string(labels_.size()) +
                                " label values, not " + std::to_string(values.size()));
  }
  std::vector<std::string> key(values.begin(), values.end());
  std::lock_guard lock(mutex_);
  auto& child = children_[std::move(key)];
  if (!child) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      child = std::make_unique<Histogram>(bounds_);
    } else {
      child = std::make_unique<Metric>();
    }
  }
  return *child;
}

template <class Metric>
void Family<Metric>::write(std::string& out) const {
  append_header(out, name_, help_, type_name(type_));
  std::lock_guard lock(mutex_);
  for (const auto& [values, child] : children_) {
    std::vector<Label> labels = labels_of(labels_, values);
    if constexpr (std::is_same_v<Metric, Histogram>) {
      const HistogramSnapshot snapshot = child->snapshot();
      const std::string bucket = name_ + "_bucket";
      std::string le;
      labels.push_back({"le", ""});
      for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
        le.clear();
        if (i < bounds_.size()) {
          append_number(le, bounds_[i]);
        } else {
          le = "+Inf";
        }
        labels.back().value = le;
        append_sample(out, bucket, labels, static_cast<double>(snapshot.cumulative[i]));
      }
      labels.pop_back();
      append_sample(out, name_ + "_sum", labels, snapshot.sum);
      append_sample(out, name_ + "_count", labels, static_cast<double>(snapshot.count()));
    } else {
      append_sample(out, name_, labels, static_cast<double>(child->value()));
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

Registration::Registration(Registration&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)),
      family_(std::exchange(other.family_, nullptr)) {}

Registration& Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    if (registry_ != nullptr) registry_->remove(family_);
    registry_ = std::exchange(other.registry_, nullptr);
    family_ = std::exchange(other.family_, nullptr);
  }
  return *this;
}

Registration::~Registration() {
  if (registry_ != nullptr) registry_->remove(family_);
}

template <class F>
F& Registry::add(std::string_view name, Type type, const std::vector<std::string>& labels,
                 const std::function<std::unique_ptr<F>()>& make) {
  check_names(name, labels, type);
  std::lock_guard lock(mutex_);
  for (const auto& family : families_) {
    if (family->name() != name) continue;
    auto* same = dynamic_cast<F*>(family.get());
    if (same == nullptr || family->type() != type || family->label_names() != labels) {
      throw std::invalid_argument("metrics: " + std::string(name) +
                                  " is registered already with another type or labels");
    }
    return *same;
  }
  auto made = make();
  F& result = *made;
  families_.push_back(std::move(made));
  return result;
}

Family<Counter>& Registry::counter(std::string_view name, std::string_view help,
                                   std::vector<std::string> labels) {
  return add<Family<Counter>>(name, Type::kCounter, labels, [&] {
    return std::make_unique<Family<Counter>>(std::string(name), std::string(help), labels);
  });
}

Family<Gauge>& Registry::gauge(std::string_view name, std::string_view help,
                               std::vector<std::string> labels) {
  return add<Family<Gauge>>(name, Type::kGauge, labels, [&] {
    return std::make_unique<Family<Gauge>>(std::string(name), std::string(help), labels);
  });
}

Family<Histogram>& Registry::histogram(std::string_view name, std::string_view help,
                                       std::vector<std::string> labels,
                                       std::span<const double> bounds) {
  check_bounds(name, bounds);
  return add<Family<Histogram>>(name, Type::kHistogram, labels, [&] {
    return std::make_unique<Family<Histogram>>(std::string(name), std::string(help), labels,
                                               std::vector<double>(bounds.begin(), bounds.end()));
  });
}

Registration Registry::callback(std::string_view name, std::string_view help, Type type,
                                std::function<double()> read) {
  if (type == Type::kHistogram) {
    throw std::invalid_argument("metrics: a callback metric is a counter or a gauge");
  }
  check_names(name, {}, type);
  std::lock_guard lock(mutex_);
  for (const auto& family : families_) {
    if (family->name() == name) {
      throw std::invalid_argument("metrics: " + std::string(name) + " is registered already");
    }
  }
  families_.push_back(std::make_unique<CallbackFamily>(std::string(name), std::string(help), type,
                                                       std::move(read)));
  return Registration(*this, families_.back().get());
}

void Registry::remove(const FamilyBase* family) {
  std::lock_guard lock(mutex_);
  std::erase_if(families_, [family](const auto& owned) { return owned.get() == family; });
}

void Registry::write_text(std::string& out) const {
  std::lock_guard lock(mutex_);
  for (const auto& family : families_) family->write(out);
}

Registry& default_registry() {
  static Registry registry;
  return registry;
}

}  // namespace metrics
