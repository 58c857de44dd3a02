// Cancellation latency: a run recorded in a SQLite instance whose one step waits cooperatively
// (ExecutionContext::wait_unless_canceled); the time from Instance::cancel_run (what `runs cancel`
// calls, here from another Instance handle as another process would hold) until the run's record
// says CANCELED. Ten runs; the median is reported.
//   cancel_latency_ms
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <strata/strata.hpp>
#include <thread>

#include "bench_main.hpp"

namespace s = strata;
namespace fs = std::filesystem;

namespace {

constexpr int kRuns = 10;

void BM_CancelLatency(benchmark::State& state) {
  fs::path home = fs::temp_directory_path() / ("strata-cancel-bench-" + std::to_string(::getpid()));
  auto instance = s::Instance::open(home);
  auto canceller = s::Instance::open(home);
  std::vector<double> latencies;
  for (auto _ : state) {
    for (int i = 0; i < kRuns; ++i) {
      auto started = std::make_shared<std::promise<void>>();
      auto waiting = s::asset("waiting", [started](s::AssetContext& ctx) {
        started->set_value();
        while (!ctx.wait_unless_canceled(std::chrono::seconds(1))) {
        }
        ctx.check_canceled();
        return int64_t{0};
      });
      std::string run_id = "cancel-bench-" + std::to_string(i);
      auto running = std::async(std::launch::async,
                                [&] { return s::materialize({waiting}, {.instance = instance, .run_id = run_id}); });
      started->get_future().wait();
      auto begin = std::chrono::steady_clock::now();
      canceller->cancel_run(run_id, "benchmark");
      while (canceller->storage().get_run(run_id)->status != s::RunStatus::kCanceled) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      auto end = std::chrono::steady_clock::now();
      running.get();
      latencies.push_back(std::chrono::duration<double, std::milli>(end - begin).count());
    }
  }
  std::sort(latencies.begin(), latencies.end());
  state.counters["median_ms"] = latencies[latencies.size() / 2];
  state.counters["max_ms"] = latencies.back();
  std::error_code ignored;
  fs::remove_all(home, ignored);
}
BENCHMARK(BM_CancelLatency)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& r) {
  const auto& m = strata::bench::get(r, "BM_CancelLatency/iterations:1/real_time");
  strata::bench::report("cancel_latency_ms", m.counters.at("median_ms"), "ms");
  strata::bench::report("cancel_latency_max_ms", m.counters.at("max_ms"), "ms");
});
