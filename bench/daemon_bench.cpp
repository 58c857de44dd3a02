// One evaluation cycle of the daemon over 1,000 schedules and 1,000 sensors with trivial bodies,
// on the SQLite instance: the clock moves one minute, every schedule (cron "* * * * *") has a tick
// due and every sensor (minimum_interval 30 s) is due; each body returns a skip, and the 2,000 ticks
// and states are recorded (ScheduleLoop::run_once + SensorLoop::run_once).
#include <benchmark/benchmark.h>

#include <strata/daemon/schedule_loop.hpp>
#include <strata/daemon/sensor_loop.hpp>
#include <strata/strata.hpp>

#include "bench_main.hpp"
#include "temp_dir.hpp"

namespace s = strata;

namespace {

constexpr int kEach = 1'000;

std::shared_ptr<const s::Definitions> definitions() {
  std::vector<s::ScheduleDefinition> schedules;
  std::vector<s::SensorDefinition> sensors;
  for (int i = 0; i < kEach; ++i) {
    s::ScheduleDefinition schedule{.name = "schedule_" + std::to_string(i),
                                   .job_name = "job",
                                   .cron_schedule = "* * * * *",
                                   .default_status = s::InstigatorStatus::kRunning};
    schedule.evaluate = [](const s::ScheduleContext&) { return s::TickResult::skip("nothing to do"); };
    schedules.push_back(std::move(schedule));
    sensors.push_back(s::sensor("sensor_" + std::to_string(i),
                                {.job_name = "job",
                                 .minimum_interval = std::chrono::seconds(30),
                                 .default_status = s::InstigatorStatus::kRunning},
                                [](const s::SensorContext&) { return s::TickResult::skip("nothing new"); }));
  }
  auto a = s::asset("a", [] { return int64_t{1}; });
  return std::make_shared<const s::Definitions>(
      s::DefinitionsSpec{.assets = {a},
                         .jobs = {s::define_asset_job("job", s::AssetSelection::all())},
                         .schedules = std::move(schedules),
                         .sensors = std::move(sensors),
                         .resources = {}});
}

void BM_DaemonCycle(benchmark::State& state) {
  s::testing::TempDir home;
  auto instance = s::Instance::open(home.path());
  auto defs = definitions();
  s::ScheduleLoop schedules(defs, instance);
  s::SensorLoop sensors(defs, instance);
  auto now = std::chrono::sys_days(std::chrono::year(2026) / 1 / 1) + std::chrono::seconds(30);
  schedules.run_once(now);  // first seen: every schedule starts ticking
  sensors.run_once(now);
  for (auto _ : state) {
    now += std::chrono::minutes(1);
    schedules.run_once(now);
    sensors.run_once(now);
  }
  if (instance->storage().ticks("schedule_999", 1).empty() || instance->storage().ticks("sensor_999", 1).empty()) {
    state.SkipWithError("the cycle recorded no ticks");
  }
}
BENCHMARK(BM_DaemonCycle)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(20)->Repetitions(3);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& r) {
  strata::bench::report(
      "daemon_cycle_1000_schedules_ms",
      strata::bench::get(r, "BM_DaemonCycle/iterations:20/repeats:3/real_time").seconds_per_iteration * 1e3, "ms");
})
