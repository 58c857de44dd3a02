// The run queue: deciding which of 1,000 queued runs may start under 5 tag limits (and
// max_concurrent_runs), with 20 runs in progress, on the SQLite instance — reading the queue and
// the runs in progress and applying the rule (RunQueueCoordinator::runs_that_may_start), nothing
// claimed.
#include <benchmark/benchmark.h>

#include <fstream>
#include <strata/execution/run_queue_coordinator.hpp>

#include "bench_main.hpp"
#include "temp_dir.hpp"

namespace s = strata;

namespace {

constexpr int kQueued = 1'000;
constexpr int kInProgress = 20;

s::RunRecord bench_run(int i, s::RunStatus status) {
  s::RunRecord run;
  run.run_id = "run-" + std::to_string(i);
  run.job_name = "__ASSET_JOB";
  run.selection = "asset_" + std::to_string(i % 50);
  run.status = status;
  run.tags = {{"database", i % 4 == 0 ? "duckdb" : "postgres"},
              {"team", "team_" + std::to_string(i % 7)},
              {"priority", i % 10 == 0 ? "high" : "normal"}};
  if (i % 5 == 0) run.tags["customer"] = "c" + std::to_string(i % 13);
  run.run_config = "{}";
  run.create_time_us = 1'700'000'000'000'000 + i;
  return run;
}

void BM_QueueDecision(benchmark::State& state) {
  s::testing::TempDir home;
  std::ofstream(home / "strata.yaml") << "run_queue:\n"
                                         "  max_concurrent_runs: 100\n"
                                         "  tag_concurrency_limits:\n"
                                         "    - {key: database, value: duckdb, limit: 6}\n"
                                         "    - {key: database, value: postgres, limit: 40}\n"
                                         "    - {key: team, value: team_3, limit: 2}\n"
                                         "    - {key: customer, limit: 5}\n"
                                         "    - {key: priority, value: high, limit: 3}\n";
  auto instance = s::Instance::open(home.path());
  for (int i = 0; i < kInProgress; ++i) instance->storage().add_run(bench_run(kQueued + i, s::RunStatus::kStarted));
  for (int i = 0; i < kQueued; ++i) {
    instance->storage().enqueue_run(bench_run(i, s::RunStatus::kQueued), R"({"select":"*","partition_keys":[]})");
  }
  s::RunQueueCoordinator coordinator(instance, [](const s::QueuedRun&) {});
  size_t chosen = 0;
  for (auto _ : state) {
    auto may_start = coordinator.runs_that_may_start();
    chosen = may_start.size();
    benchmark::DoNotOptimize(may_start);
  }
  if (chosen == 0 || chosen >= kQueued) state.SkipWithError("the limits chose nothing, or everything");
  state.counters["chosen"] = static_cast<double>(chosen);
}
BENCHMARK(BM_QueueDecision)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(50)->Repetitions(3);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& r) {
  strata::bench::report(
      "queue_dequeue_1000_ms",
      strata::bench::get(r, "BM_QueueDecision/iterations:50/repeats:3/real_time").seconds_per_iteration * 1e3, "ms");
})
