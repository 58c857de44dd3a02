// Orchestration cost: per-step overhead on a 10,000-asset chain and a 10,000-asset wide graph
// (in-memory manager, so only Strata's own work is measured), and Definitions construction +
// validation for 10,000 and 100,000 assets with random DAG edges.
#include <benchmark/benchmark.h>

#include <strata/strata.hpp>

#include "bench_main.hpp"
#include "random_dag.hpp"

namespace s = strata;

namespace {

constexpr int kSteps = 10'000;

std::string name(int i) { return "a" + std::to_string(i); }

s::Definitions chain() {
  std::vector<s::AssetsDefinition> assets;
  assets.push_back(s::asset(name(0), [] { return int64_t{0}; }));
  for (int i = 1; i < kSteps; ++i) {
    assets.push_back(s::asset(name(i), {.ins = {s::AssetIn{.name = "prev", .key = s::AssetKey(name(i - 1))}}},
                              [](int64_t prev) { return prev + 1; }));
  }
  return s::Definitions({.assets = std::move(assets), .resources = {{"io_manager", s::InMemoryIOManager()}}});
}

s::Definitions wide() {
  std::vector<s::AssetsDefinition> assets;
  assets.push_back(s::asset(name(0), [] { return int64_t{1}; }));
  for (int i = 1; i < kSteps; ++i) {
    assets.push_back(s::asset(name(i), {.ins = {s::AssetIn{.name = "root", .key = s::AssetKey(name(0))}}},
                              [](int64_t root) { return root + 1; }));
  }
  return s::Definitions({.assets = std::move(assets), .resources = {{"io_manager", s::InMemoryIOManager()}}});
}

void run_all(benchmark::State& state, const s::Definitions& defs) {
  for (auto _ : state) {
    auto result = s::materialize(defs, s::AssetSelection::all(), {.keep_outputs = false});
    if (!result.success()) state.SkipWithError(result.failure_message().c_str());
  }
}

void BM_Chain(benchmark::State& state) {
  static const s::Definitions defs = chain();
  run_all(state, defs);
}
BENCHMARK(BM_Chain)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void BM_Wide(benchmark::State& state) {
  static const s::Definitions defs = wide();
  run_all(state, defs);
}
BENCHMARK(BM_Wide)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void BM_Definitions(benchmark::State& state) {
  auto assets = s::bench::random_dag(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    s::Definitions defs({.assets = assets});
    benchmark::DoNotOptimize(defs.asset_graph().entries().size());
  }
}
BENCHMARK(BM_Definitions)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& r) {
  using strata::bench::get;
  using strata::bench::report;
  report("core_step_overhead_chain_us", get(r, "BM_Chain/iterations:5/real_time").seconds_per_iteration * 1e6 / kSteps,
         "us");
  report("core_step_overhead_wide_us", get(r, "BM_Wide/iterations:5/real_time").seconds_per_iteration * 1e6 / kSteps,
         "us");
  report("core_definitions_10k_s", get(r, "BM_Definitions/10000/iterations:3/real_time").seconds_per_iteration, "s");
  report("core_definitions_100k_s", get(r, "BM_Definitions/100000/iterations:3/real_time").seconds_per_iteration, "s");
})
