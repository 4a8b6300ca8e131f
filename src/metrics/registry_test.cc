#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <array>
#include <stdexcept>
#include <thread>
#include <vector>

namespace metrics {
namespace {

std::string text(const Registry& registry) {
  std::string out;
  registry.write_text(out);
  return out;
}

TEST(Registry, CounterFamilyWritesHelpTypeAndOneLinePerChildSortedByLabels) {
  Registry registry;
  auto& requests = registry.counter("requests_total", "Requests answered.", {"route", "code"});
  requests.with({"tags", "200"}).inc();
  requests.with({"manifest", "404"}).add(2);
  requests.with({"manifest", "200"}).add(5);
  requests.with({"tags", "200"}).inc();
  EXPECT_EQ(text(registry),
            "# HELP requests_total Requests answered.\n"
            "# TYPE requests_total counter\n"
            "requests_total{route=\"manifest\",code=\"200\"} 5\n"
            "requests_total{route=\"manifest\",code=\"404\"} 2\n"
            "requests_total{route=\"tags\",code=\"200\"} 2\n");
}

TEST(Registry, LabelValuesAreEscaped) {
  Registry registry;
  registry.gauge("info", "Odd values.", {"v"}).with({"a\"b\\c\nd"}).set(1);
  EXPECT_NE(text(registry).find("info{v=\"a\\\"b\\\\c\\nd\"} 1\n"), std::string::npos);
}

TEST(Registry, GaugeWithoutLabels) {
  Registry registry;
  auto& gauge = registry.gauge("last_run_timestamp_seconds", "When.").get();
  gauge.set(1.5);
  gauge.add(1);
  EXPECT_EQ(text(registry),
            "# HELP last_run_timestamp_seconds When.\n"
            "# TYPE last_run_timestamp_seconds gauge\n"
            "last_run_timestamp_seconds 2.5\n");
}

TEST(Registry, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  Registry registry;
  const std::array<double, 3> bounds = {0.1, 1, 10};
  auto& duration = registry.histogram("duration_seconds", "How long.", {"route"}, bounds);
  auto& tags = duration.with({"tags"});
  for (double value : {0.05, 0.1, 0.5, 20.0}) tags.observe(value);
  EXPECT_EQ(text(registry),
            "# HELP duration_seconds How long.\n"
            "# TYPE duration_seconds histogram\n"
            "duration_seconds_bucket{route=\"tags\",le=\"0.1\"} 2\n"
            "duration_seconds_bucket{route=\"tags\",le=\"1\"} 3\n"
            "duration_seconds_bucket{route=\"tags\",le=\"10\"} 3\n"
            "duration_seconds_bucket{route=\"tags\",le=\"+Inf\"} 4\n"
            "duration_seconds_sum{route=\"tags\"} 20.65\n"
            "duration_seconds_count{route=\"tags\"} 4\n");
}

TEST(Registry, FamiliesComeInTheOrderRegistered) {
  Registry registry;
  registry.counter("b_total", "B.").get();
  registry.counter("a_total", "A.").get();
  const std::string out = text(registry);
  EXPECT_LT(out.find("b_total"), out.find("a_total"));
}

TEST(Registry, SameNameTypeAndLabelsGiveTheSameFamily) {
  Registry registry;
  auto& first = registry.counter("runs_total", "Runs.", {"result"});
  auto& second = registry.counter("runs_total", "Runs.", {"result"});
  EXPECT_EQ(&first, &second);
  EXPECT_EQ(&first.with({"ok"}), &second.with({"ok"}));
  EXPECT_THROW(registry.gauge("runs_total", "Runs."), std::invalid_argument);
  EXPECT_THROW(registry.counter("runs_total", "Runs.", {"other"}), std::invalid_argument);
}

TEST(Registry, BadNamesLabelCountsAndBoundsThrow) {
  Registry registry;
  EXPECT_THROW(registry.counter("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(registry.counter("ok_total", "x", {"__reserved"}), std::invalid_argument);
  const std::array<double, 2> descending = {1, 0.5};
  EXPECT_THROW(registry.histogram("h", "x", {}, descending), std::invalid_argument);
  const std::array<double, 1> bound = {1};
  EXPECT_THROW(registry.histogram("h", "x", {"le"}, bound), std::invalid_argument);
  auto& family = registry.counter("two_total", "x", {"a", "b"});
  EXPECT_THROW(family.with({"only one"}), std::invalid_argument);
}

TEST(Registry, CallbackIsReadAtScrapeTimeAndGoesWithItsRegistration) {
  Registry registry;
  double value = 1;
  {
    Registration registration =
        registry.callback("storage_bytes", "Bytes.", Type::kGauge, [&value] { return value; });
    value = 42;
    EXPECT_EQ(text(registry),
              "# HELP storage_bytes Bytes.\n# TYPE storage_bytes gauge\nstorage_bytes 42\n");
    EXPECT_THROW(
        (void)registry.callback("storage_bytes", "Again.", Type::kGauge, [] { return 0.0; }),
        std::invalid_argument);
  }
  EXPECT_EQ(text(registry), "");
}

TEST(Registry, ThreadsCountingAtOnceLoseNothing) {
  Registry registry;
  auto& counter = registry.counter("n_total", "N.").get();
  const std::array<double, 1> bounds = {0.5};
  auto& histogram = registry.histogram("h", "H.", {}, bounds).get();
  constexpr int kThreads = 8;
  constexpr int kEach = 20000;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        counter.inc();
        histogram.observe(i % 2 == 0 ? 0.25 : 1.0);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter.value(), std::uint64_t{kThreads} * kEach);
  const HistogramSnapshot snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.count(), std::uint64_t{kThreads} * kEach);
  EXPECT_EQ(snapshot.cumulative[0], std::uint64_t{kThreads} * kEach / 2);
  EXPECT_DOUBLE_EQ(snapshot.sum, kThreads * kEach * 0.625);
}

}  // namespace
}  // namespace metrics
