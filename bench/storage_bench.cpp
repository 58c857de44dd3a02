// Instance storage: events appended per second through the batched writer (durable at the end, as
// at the end of a run) into SQLite and into PostgreSQL on loopback, and the latest-materialization
// lookup for one asset with 1,000,000 events in the log.
#include <benchmark/benchmark.h>

#include <random>
#include <strata/storage/backends.hpp>
#include <strata/storage/event_writer.hpp>

#include "bench_main.hpp"
#include "postgres_server.hpp"
#include "temp_dir.hpp"

namespace s = strata;

namespace {

constexpr int kEvents = 200'000;
constexpr int kLogEvents = 1'000'000;
constexpr int kAssets = 1'000;

// A realistic mix: mostly logs and step lifecycle, every tenth a materialization with metadata.
s::Event make_event(int i, const std::string& run_id) {
  s::Event e;
  e.run_id = run_id;
  e.step_key = "step_" + std::to_string(i % 100);
  e.timestamp_us = 1'700'000'000'000'000 + i;
  if (i % 10 == 0) {
    e.type = s::EventType::kMaterialization;
    e.asset_key = s::AssetKey("asset_" + std::to_string((i / 10) % kAssets));
    e.name = "result";
    e.message = "Materialized asset";
    e.metadata = {{"num_records", i}, {"path", s::MetadataValue::path("/data/storage/asset")}};
  } else {
    e.type = i % 3 == 0 ? s::EventType::kStepStart : s::EventType::kLog;
    e.message = "Got " + std::to_string(i) + " items so far.";
  }
  return e;
}

void append_through_writer(benchmark::State& state, s::Storage& storage) {
  s::RunRecord run{.run_id = "bench-run", .job_name = "bench", .status = s::RunStatus::kStarted};
  storage.add_run(run);
  std::vector<s::Event> events;
  events.reserve(kEvents);
  for (int i = 0; i < kEvents; ++i) events.push_back(make_event(i, run.run_id));
  for (auto _ : state) {
    s::EventWriter writer(storage);
    for (const auto& event : events) writer.append(event);
    writer.flush();
  }
}

void BM_EventsSqlite(benchmark::State& state) {
  s::testing::TempDir dir;
  auto storage = s::open_sqlite_storage(dir / "history.db");
  append_through_writer(state, *storage);
}
BENCHMARK(BM_EventsSqlite)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(3);

void BM_EventsPostgres(benchmark::State& state) {
  s::testing::PostgresServer server;
  auto storage = s::open_postgres_storage(
      {.host = "127.0.0.1", .port = server.port(), .user = server.user(), .password = "", .dbname = "postgres"});
  append_through_writer(state, *storage);
}
BENCHMARK(BM_EventsPostgres)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(2);

void BM_LatestMaterialization(benchmark::State& state) {
  s::testing::TempDir dir;
  auto storage = s::open_sqlite_storage(dir / "history.db");
  std::vector<s::Event> batch;
  for (int i = 0; i < kLogEvents; ++i) {
    batch.push_back(make_event(i, "run-" + std::to_string(i / 10'000)));
    if (batch.size() == 50'000) {
      storage->append_events(batch);
      batch.clear();
    }
  }
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> pick(0, kAssets - 1);
  for (auto _ : state) {
    auto latest = storage->latest_materialization(s::AssetKey("asset_" + std::to_string(pick(rng))));
    if (!latest) state.SkipWithError("no materialization found");
    benchmark::DoNotOptimize(latest);
  }
}
BENCHMARK(BM_LatestMaterialization)->Unit(benchmark::kMicrosecond)->UseRealTime()->Iterations(10'000);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& r) {
  using strata::bench::get;
  using strata::bench::report;
  report("events_sqlite_per_s",
         kEvents / get(r, "BM_EventsSqlite/iterations:1/repeats:3/real_time").seconds_per_iteration, "events/s");
  report("events_postgres_per_s",
         kEvents / get(r, "BM_EventsPostgres/iterations:1/repeats:2/real_time").seconds_per_iteration, "events/s");
  report("latest_materialization_ms",
         get(r, "BM_LatestMaterialization/iterations:10000/real_time").seconds_per_iteration * 1e3, "ms");
})
