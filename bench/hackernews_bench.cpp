// The Hacker News example as a user runs it: `hackernews materialize --select '*'` as a whole
// process (start, open the instance, serve the snapshot, fetch 100 items over loopback HTTP, write
// DuckDB and files, draw the chart, record every event), and the fixed cost of starting the binary
// for a command that runs nothing (`list assets`): cli_start_ms, also reported under its older name
// hackernews_cli_start_ms (the fastest of 3 repetitions of 20 runs, mean per run).
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "bench_main.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace {

void run_hackernews(benchmark::State& state, const std::string& args) {
  strata::testing::TempDir dir("strata-bench-hn");
  std::string command = "cd '" + dir.path().string() + "' && exec '" + HACKERNEWS_BINARY + "' " + args +
                        " --plain --home .strata > /dev/null";
  for (auto _ : state) {
    auto result = strata::testing::run_command({"/bin/sh", "-c", command});
    if (result.exit_code != 0) {
      state.SkipWithError(("hackernews failed: " + result.output).c_str());
      break;
    }
  }
}

void BM_MaterializeAll(benchmark::State& state) { run_hackernews(state, "materialize --select '*'"); }
void BM_ListAssets(benchmark::State& state) { run_hackernews(state, "list assets"); }

BENCHMARK(BM_MaterializeAll)->Unit(benchmark::kMillisecond)->Iterations(10)->Repetitions(3);
BENCHMARK(BM_ListAssets)->Unit(benchmark::kMillisecond)->Iterations(20)->Repetitions(3);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& results) {
  using strata::bench::get;
  using strata::bench::report;
  report("hackernews_materialize_all_ms",
         get(results, "BM_MaterializeAll/iterations:10/repeats:3").seconds_per_iteration * 1e3, "ms");
  double start_ms = get(results, "BM_ListAssets/iterations:20/repeats:3").seconds_per_iteration * 1e3;
  report("hackernews_cli_start_ms", start_ms, "ms");
  report("cli_start_ms", start_ms, "ms");
})
