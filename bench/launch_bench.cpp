// run_launch_latency_ms: from the daemon's run-queue loop deciding to start a queued run (the moment
// its launcher is asked to, RunQueueDaemonLoop::launch) to the RUN_START event of the run, recorded
// by the run's own process: this program again (a pipeline binary linking Arrow and DuckDB, as the
// tutorial's does), detached, running `runs dequeue RUN_ID`. The instance is SQLite in a
// temporary directory on the disk, as ./.strata would be. The median of 20 launches (each run left
// to finish before the next). Where the time goes:
//   run_launch_process_start_ms  starting this program and returning (exec, dynamic loading of
//                                Arrow/DuckDB/SQLite, building the Definitions, exit): `--version`
//   run_launch_instance_open_ms  opening the instance as the run's process does (strata.yaml,
//                                SQLite, schema check, reaping dead runs), in process
//   run_launch_handshake_ms      from RUN_START to the launcher having heard of it (the report
//                                pipe and the launcher's wait for the double fork)
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <strata/arrow/file_formats.hpp>
#include <strata/cli/run_cli.hpp>
#include <strata/daemon/run_queue_daemon_loop.hpp>
#include <strata/duckdb/duckdb_io_manager.hpp>
#include <strata/execution/run_queue_coordinator.hpp>
#include <strata/strata.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench_main.hpp"

namespace s = strata;
namespace fs = std::filesystem;

namespace {

constexpr int kDefaultLaunches = 20;

s::Definitions definitions(const fs::path& data) {
  std::vector<s::AssetsDefinition> assets;
  assets.push_back(s::asset("one", [] { return int64_t{1}; }));
  return s::Definitions(
      {.assets = std::move(assets),
       .resources = {{"io_manager", s::FilesystemIOManager({.base_dir = data.string()})},
                     {"warehouse", s::DuckDBIOManager({.database = (data / "warehouse.duckdb").string()})},
                     {"parquet", s::ParquetIOManager({.base_uri = (data / "parquet").string()})}}});
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The RUN_START event's time (the run's process reports it to the launcher as it emits it, and its
// event writer stores it right after).
int64_t run_start_us(s::Storage& storage, const std::string& run_id) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& record : storage.events_for_run(run_id)) {
      if (record.event.type == s::EventType::kRunStart) return record.event.timestamp_us;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::fprintf(stderr, "launch_bench: run %s recorded no RUN_START\n", run_id.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "--data") {  // this program as a user's pipeline: the runs
    s::Definitions defs = definitions(argv[2]);
    std::vector<char*> args{argv[0]};
    for (int i = 3; i < argc; ++i) args.push_back(argv[i]);
    return s::run_cli(defs, static_cast<int>(args.size()), args.data());
  }
  fs::path dir = fs::temp_directory_path() / ("strata-launch-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path data = dir / "data";
  std::string self = fs::canonical("/proc/self/exe").string();
  s::Definitions defs = definitions(data);
  auto instance = s::Instance::open(dir / "home");
  s::RunQueueLoopOptions options;
  options.program = {self, "--data", data.string()};
  s::RunQueueDaemonLoop loop(instance, options);

  const char* count = std::getenv("STRATA_BENCH_LAUNCHES");  // fewer, to trace one launch
  int launches = count ? std::max(1, std::atoi(count)) : kDefaultLaunches;
  std::vector<double> latency, handshake;
  for (int i = 0; i < launches; ++i) {
    std::string run_id = s::submit_run(defs, *instance, {.selection = "one"});
    int64_t asked_us = s::now_unix_us();
    loop.launch(run_id);
    int64_t returned_us = s::now_unix_us();
    int64_t started_us = run_start_us(instance->storage(), run_id);
    latency.push_back(static_cast<double>(started_us - asked_us) / 1e3);
    handshake.push_back(static_cast<double>(returned_us - started_us) / 1e3);
    while (!s::is_finished(instance->storage().get_run(run_id)->status)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // the run ends before the next launch
    }
  }
  std::vector<double> starts, opens;
  for (int i = 0; i < 5; ++i) {
    starts.push_back(s::bench::program_seconds({self, "--data", data.string(), "--version"}) * 1e3);
    auto before = std::chrono::steady_clock::now();
    { auto again = s::Instance::open(dir / "home"); }
    opens.push_back(seconds_since(before) * 1e3);
  }
  instance.reset();
  fs::remove_all(dir);
  std::fprintf(stderr, "launch latency: min %.1f ms, median %.1f ms, max %.1f ms over %d launches\n",
               *std::min_element(latency.begin(), latency.end()), median(latency),
               *std::max_element(latency.begin(), latency.end()), launches);
  s::bench::report("run_launch_latency_ms", median(latency), "ms");
  s::bench::report("run_launch_process_start_ms", median(starts), "ms");
  s::bench::report("run_launch_instance_open_ms", median(opens), "ms");
  s::bench::report("run_launch_handshake_ms", median(handshake), "ms");
  return 0;
}
