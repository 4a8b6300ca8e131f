// The listings of a large registry through the PostgreSQL store, without HTTP: what
// `_catalog?n=10000` and a 10,000-tag `tags/list` cost in the database and libpq. Run by
// bench/catalog_pg.sh, which fills the database it names in REGMIRROR_BENCH_DATABASE.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "metadata/pg_store.h"

namespace {

constexpr std::size_t kListed = 10'000;

std::unique_ptr<metadata::Store> open(metadata::ReadCacheOptions cache) {
  const char* url = std::getenv("REGMIRROR_BENCH_DATABASE");
  if (url == nullptr) return nullptr;
  auto store = metadata::open_postgres_store({.url = url, .pool_size = 2}, cache);
  return store ? std::move(*store) : nullptr;
}

template <class List>
void run(benchmark::State& state, metadata::ReadCacheOptions cache, List list) {
  auto store = open(cache);
  if (!store) {
    state.SkipWithError("REGMIRROR_BENCH_DATABASE names no reachable database");
    return;
  }
  for (auto _ : state) {
    auto names = list(*store);
    if (!names) {
      state.SkipWithError(names.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(names->data());
    state.counters["items"] = static_cast<double>(names->size());
  }
}

// The read cache off: every call asks the database.
constexpr metadata::ReadCacheOptions kUncached{.max_bytes = 0};

void catalog(benchmark::State& state) {
  run(state, kUncached, [](metadata::Store& store) { return store.repositories("", kListed); });
}

void catalog_page_of_100(benchmark::State& state) {
  run(state, kUncached,
      [](metadata::Store& store) { return store.repositories("bench/repo-005000", 100); });
}

void tags(benchmark::State& state) {
  run(state, kUncached,
      [](metadata::Store& store) { return store.tags("bench/tagged", "", kListed); });
}

// As a replica answers a repeated tag list: from memory, after one probe of the change
// counter per staleness period (0 here: a probe on every call).
void tags_cached(benchmark::State& state) {
  run(state, metadata::ReadCacheOptions{.max_staleness = std::chrono::milliseconds(0)},
      [](metadata::Store& store) { return store.tags("bench/tagged", "", kListed); });
}

BENCHMARK(catalog)->Unit(benchmark::kMillisecond)->MinTime(2);
BENCHMARK(catalog_page_of_100)->Unit(benchmark::kMillisecond)->MinTime(2);
BENCHMARK(tags)->Unit(benchmark::kMillisecond)->MinTime(2);
BENCHMARK(tags_cached)->Unit(benchmark::kMillisecond)->MinTime(2);

}  // namespace

BENCHMARK_MAIN();
