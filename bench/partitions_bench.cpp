// Partitions at scale: an hourly asset over ten years (87,648 partitions). Status = enumerate every
// key and merge it with the instance's per-partition state (SQLite, 70,000 partitions materialized,
// some failed); plan = validate and split a backfill of every partition into runs. Each figure is
// the best of three repetitions of five iterations (the machine is shared; the best is the least disturbed).
#include <benchmark/benchmark.h>

#include <strata/strata.hpp>

#include "bench_main.hpp"
#include "temp_dir.hpp"

namespace s = strata;

namespace {

s::PartitionsPtr ten_years() {
  static auto hourly = s::hourly_partitions("2014-01-01-00:00", {.end = "2024-01-01-00:00"});
  return hourly;
}

s::Definitions& defs() {
  static s::Definitions d({.assets = {s::asset("sensor", {.partitions = ten_years()}, [] { return 1; })}});
  return d;
}

void BM_PartitionStatus(benchmark::State& state) {
  s::testing::TempDir dir;
  auto instance = s::Instance::open(dir.path());
  auto keys = ten_years()->keys();
  std::vector<s::Event> events;
  for (size_t i = 0; i < keys.size() && i < 70'000; ++i) {
    s::Event e;
    e.type = i % 97 == 0 ? s::EventType::kMaterializationFailed : s::EventType::kMaterialization;
    e.run_id = "backfill-run";
    e.asset_key = s::AssetKey("sensor");
    e.partition = keys[i];
    e.timestamp_us = s::now_unix_us();
    events.push_back(std::move(e));
  }
  instance->storage().append_events(events);
  for (auto _ : state) {
    auto status = s::asset_partition_status(defs(), "sensor", instance->storage());
    if (status.keys.size() != keys.size() || status.materialized + status.failed != 70'000) {
      state.SkipWithError("unexpected partition status");
    }
  }
  state.counters["partitions"] = static_cast<double>(keys.size());
}
BENCHMARK(BM_PartitionStatus)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5)->Repetitions(3);

void BM_BackfillPlan(benchmark::State& state) {
  for (auto _ : state) {
    auto plan = s::plan_backfill_range(defs(), s::AssetSelection::all(), "2014-01-01-00:00", "2023-12-31-23:00");
    if (plan.runs.size() != plan.partitions.size()) state.SkipWithError("unexpected plan");
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_BackfillPlan)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5)->Repetitions(3);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& r) {
  using strata::bench::get;
  using strata::bench::report;
  report("partition_status_87600_ms",
         get(r, "BM_PartitionStatus/iterations:5/repeats:3/real_time").seconds_per_iteration * 1e3, "ms");
  report("backfill_plan_87600_ms",
         get(r, "BM_BackfillPlan/iterations:5/repeats:3/real_time").seconds_per_iteration * 1e3, "ms");
})
