// Concurrent writes into one DuckDB database file: 8 independent assets stored by one
// DuckDBIOManager, each writing a 100k-row table (int64, double, string, timestamp, bool), run at
// max_concurrency 8 in runs recorded by an instance (so every write is staged, recorded, then
// applied). Reports tables written per second and the number of failed steps (the goal is zero).
//   duckdb_concurrent_writes_per_s     tables per second over all runs
//   duckdb_concurrent_write_failures   failed steps over all runs
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <strata/duckdb/duckdb_io_manager.hpp>
#include <strata/strata.hpp>

#include "bench_main.hpp"
#include "bench_tables.hpp"

namespace s = strata;
namespace fs = std::filesystem;

namespace {

constexpr int kWriters = 8;
constexpr int64_t kRows = 100'000;

const fs::path& dir() {
  static const fs::path path = [] {
    fs::path p = fs::temp_directory_path() / ("strata-duckdb-concurrency-bench-" + std::to_string(::getpid()));
    fs::create_directories(p);
    return p;
  }();
  return path;
}

void BM_ConcurrentDuckDBWrites(benchmark::State& state) {
  static const s::ArrowTable table = strata::bench::make_stories_table(kRows);
  std::vector<s::AssetsDefinition> assets;
  for (int i = 0; i < kWriters; ++i) {
    assets.push_back(s::asset(s::AssetKey({"bench", "table_" + std::to_string(i)}), [] { return table; }));
  }
  s::Definitions defs(
      {.assets = assets,
       .resources = {{"io_manager", s::DuckDBIOManager({.database = (dir() / "bench.duckdb").string()})}}});
  auto instance = s::Instance::open(dir() / "home");
  int64_t failures = 0;
  int64_t tables = 0;
  for (auto _ : state) {
    auto result = s::materialize(defs, s::AssetSelection::all(), {.instance = instance, .max_concurrency = kWriters});
    for (const auto& step : result.steps()) failures += step.status == s::StepStatus::kSuccess ? 0 : 1;
    tables += kWriters;
  }
  state.counters["failures"] = static_cast<double>(failures);
  state.counters["tables"] = static_cast<double>(tables);
}
BENCHMARK(BM_ConcurrentDuckDBWrites)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(10);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& r) {
  const auto& m = strata::bench::get(r, "BM_ConcurrentDuckDBWrites/iterations:10/real_time");
  strata::bench::report("duckdb_concurrent_writes_per_s", kWriters / m.seconds_per_iteration, "tables/s");
  strata::bench::report("duckdb_concurrent_write_failures", m.counters.at("failures"), "steps");
  std::error_code ignored;
  fs::remove_all(dir(), ignored);
});
