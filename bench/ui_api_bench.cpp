// The web UI's asset list at scale: GET /api/v1/assets (every asset with its latest materialization
// and status) for 10,000 assets (the core benchmark's random DAG) over an instance holding 1,000,000
// events (SQLite), through a real UiServer on a loopback port. The instance is written the way runs
// write it — run records, then each run's step, input, output, materialization and log events — in
// large transactions, so that building it takes seconds. Each figure is the best of three
// repetitions of ten requests.
#include <benchmark/benchmark.h>
#include <httplib.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <strata/strata.hpp>
#include <strata/web/ui_server.hpp>

#include "bench_main.hpp"
#include "random_dag.hpp"
#include "temp_dir.hpp"

namespace s = strata;

namespace {

constexpr int kAssets = 10'000;
constexpr int64_t kEvents = 1'000'000;
constexpr int kAssetsPerRun = 500;

struct Setup {
  s::testing::TempDir dir{"strata-bench-ui"};
  s::Definitions defs{{.assets = s::bench::random_dag(kAssets)}};
  std::shared_ptr<s::Instance> instance;
  std::unique_ptr<s::web::UiServer> server;
  double build_seconds = 0;

  Setup() {
    auto start = std::chrono::steady_clock::now();
    instance = s::Instance::open(dir.path());
    s::Storage& storage = instance->storage();
    int64_t written = 0;
    int64_t now = s::now_unix_us() - 3'600'000'000;
    std::vector<s::Event> batch;
    for (int run = 0; written < kEvents; ++run) {
      std::string run_id = "run-" + std::to_string(run);
      int first = (run * kAssetsPerRun) % kAssets;
      bool in_progress = written + kAssetsPerRun * 6 + 2 >= kEvents;  // the last run is still going
      storage.add_run({.run_id = run_id,
                       .job_name = "__asset_job",
                       // Assets it has not materialized yet: while it runs, they are running.
                       .selection = s::bench::dag_asset_name((first + kAssetsPerRun) % kAssets) + "," +
                                    s::bench::dag_asset_name((first + kAssetsPerRun + 1) % kAssets),
                       .status = in_progress ? s::RunStatus::kStarted : s::RunStatus::kSuccess,
                       .create_time_us = now});
      auto add = [&](s::EventType type, const std::string& step, std::optional<s::AssetKey> key = {}) {
        s::Event e;
        e.type = type;
        e.run_id = run_id;
        e.step_key = step;
        e.timestamp_us = ++now;
        e.message = std::string(s::event_type_name(type)) + " " + step;
        e.asset_key = std::move(key);
        batch.push_back(std::move(e));
        ++written;
      };
      add(s::EventType::kRunStart, "");
      for (int i = first; i < first + kAssetsPerRun; ++i) {
        std::string name = s::bench::dag_asset_name(i);
        add(s::EventType::kStepStart, name);
        add(s::EventType::kLoadedInput, name, s::AssetKey(name));
        add(s::EventType::kLog, name);
        if ((i + run) % 53 == 0) {
          add(s::EventType::kStepFailure, name);
          add(s::EventType::kMaterializationFailed, name, s::AssetKey(name));
        } else {
          add(s::EventType::kHandledOutput, name, s::AssetKey(name));
          add(s::EventType::kMaterialization, name, s::AssetKey(name));
          batch.back().metadata = {{"row_count", static_cast<int64_t>(i)}, {"path", "/data/" + name}};
        }
        add(s::EventType::kStepSuccess, name);
      }
      if (!in_progress) add(s::EventType::kRunSuccess, "");
      if (batch.size() >= 50'000) {
        storage.append_events(batch);
        batch.clear();
      }
    }
    storage.append_events(batch);
    build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    server = std::make_unique<s::web::UiServer>(defs, instance, s::web::UiServerOptions{.port = 0});
    server->start();
  }
};

Setup& setup() {
  static Setup instance;
  return instance;
}

void BM_AssetsList(benchmark::State& state) {
  Setup& s = setup();
  httplib::Client client("127.0.0.1", s.server->port());
  client.set_keep_alive(true);
  client.set_read_timeout(60, 0);
  auto check = client.Get("/api/v1/assets");
  if (!check || check->status != 200) {
    state.SkipWithError("GET /api/v1/assets failed");
    return;
  }
  auto body = nlohmann::json::parse(check->body);
  std::map<std::string, int> statuses;
  for (const auto& asset : body["assets"]) statuses[asset["status"].get<std::string>()] += 1;
  if (body["assets"].size() != kAssets || statuses["fresh"] + statuses["upstream_newer"] == 0 ||
      statuses["failed"] == 0 || statuses["running"] == 0) {
    std::string counts;
    for (const auto& [status, count] : statuses) counts += " " + status + "=" + std::to_string(count);
    std::cerr << "asset list: " << body["assets"].size() << " assets," << counts << "\n";
    state.SkipWithError("unexpected asset list");
    return;
  }
  for (auto _ : state) {
    auto response = client.Get("/api/v1/assets");
    if (!response || response->status != 200) state.SkipWithError("GET /api/v1/assets failed");
    benchmark::DoNotOptimize(response->body.size());
  }
  state.counters["bytes"] = static_cast<double>(check->body.size());
  state.counters["events"] = static_cast<double>(s.instance->storage().count_events());
  state.counters["build_s"] = s.build_seconds;
  for (const auto& [status, count] : statuses) state.counters[status] = count;
}
BENCHMARK(BM_AssetsList)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(10)->Repetitions(3);

// The instance's part alone: one read of every asset's latest materialization and failure.
void BM_CatalogRead(benchmark::State& state) {
  Setup& s = setup();
  for (auto _ : state) benchmark::DoNotOptimize(s.instance->storage().asset_catalog().size());
}
BENCHMARK(BM_CatalogRead)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(10)->Repetitions(3);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& r) {
  const auto& m = strata::bench::get(r, "BM_AssetsList/iterations:10/repeats:3/real_time");
  strata::bench::report("api_assets_10k_ms", m.seconds_per_iteration * 1e3, "ms");
  double read = strata::bench::get(r, "BM_CatalogRead/iterations:10/repeats:3/real_time").seconds_per_iteration;
  std::cerr << "(of which the instance's catalog read: " << read * 1e3 << " ms)\n";
  std::cerr << "(instance of " << m.counters.at("events") << " events built in " << m.counters.at("build_s")
            << " s; response " << m.counters.at("bytes") << " bytes)\n";
})
