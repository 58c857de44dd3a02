// The Slurm executor on a one-node test cluster (tests/support/slurm_cluster: munged, slurmctld and
// slurmd in a temporary directory, 2 CPUs), with the instance on PostgreSQL and data on MinIO, all
// started here and stopped at the end. The pipeline is strata_slurm_test_program (tests/slurm).
// Both ways of starting steps that suit short steps are measured: `launch: allocation` (every step a
// job step in one allocation the run holds; the names the issue asks for) and `launch: srun` (the
// default: every step a job of its own; the same names with `_srun`).
//
//   slurm_step_overhead_ms   per step, a 50-step chain run by the Slurm executor minus the same
//                            chain run by the multi-process executor (both `materialize --select group:chain`
//                            with the same instance and S3 manager), next to
//   slurm_srun_true_ms       a bare `srun true` on the same cluster in the same run (the goal is an
//                            overhead of at most 1.5 times it), and
//   slurm_fanout_40_ratio    40 independent steps of 1 s each (2 CPUs, so 20 s at best) run by the
//                            Slurm executor with --max-concurrency 2 (as many steps at once as CPUs):
//                            wall time / 20 s (goal: at most 1.2).
// The fastest of 3 interleaved repetitions of each chain run is taken; `srun true` the median of 20.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <vector>

#include "backend_fixture.hpp"
#include "bench_main.hpp"
#include "minio_server.hpp"
#include "slurm_cluster.hpp"
#include "strata/storage/instance.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace s = strata;
namespace fs = std::filesystem;

namespace {

constexpr int kChain = 50;
constexpr int kFan = 40;

double seconds_of(const std::vector<std::string>& argv, const s::testing::CommandOptions& options = {}) {
  auto start = std::chrono::steady_clock::now();
  s::testing::CommandResult result = s::testing::run_command(argv, options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (result.exit_code != 0) {
    std::fprintf(stderr, "slurm_bench: '%s %s' failed (exit %d):\n%s\n", argv[0].c_str(),
                 argv.size() > 1 ? argv[1].c_str() : "", result.exit_code, result.output.c_str());
    std::exit(1);
  }
  return seconds;
}

// Where the time of the latest run's steps went, from its events (coordinator and worker clocks are
// the same machine's): sbatch, Slurm until the worker's first event, the step itself, and from the
// step's last event until the run saw it succeed (Slurm releasing the job).
void print_breakdown(const fs::path& home) {
  auto instance = s::Instance::open(home);
  auto runs = instance->storage().runs({});
  if (runs.empty()) return;
  std::map<std::string, std::array<int64_t, 4>> steps;  // start, submitted, first worker event, last worker event
  int64_t success_total = 0;
  int successes = 0;
  for (const auto& record : instance->storage().events_for_run(runs.front().run_id)) {
    const s::Event& event = record.event;
    if (event.step_key.empty()) continue;
    auto& at = steps[event.step_key];
    if (event.type == s::EventType::kStepStart)
      at[0] = event.timestamp_us;
    else if (event.type == s::EventType::kLog && event.message.find("submitted as Slurm job") != std::string::npos)
      at[1] = event.timestamp_us;
    else if (event.type == s::EventType::kStepSuccess) {
      success_total += event.timestamp_us - at[3];
      ++successes;
    } else {
      if (at[2] == 0) at[2] = event.timestamp_us;
      at[3] = event.timestamp_us;
    }
  }
  double submit = 0, start = 0, work = 0;
  for (const auto& [key, at] : steps) {
    submit += static_cast<double>(at[1] - at[0]);
    start += static_cast<double>(at[2] - at[1]);
    work += static_cast<double>(at[3] - at[2]);
  }
  double n = static_cast<double>(std::max<size_t>(1, steps.size())) * 1000;
  std::fprintf(stderr,
               "per step of the last chain (ms): submitting %.1f, Slurm until the worker's first event %.1f, the step "
               "%.1f, until the run "
               "saw it succeed %.1f\n",
               submit / n, start / n, work / n,
               successes ? static_cast<double>(success_total) / successes / 1000 : 0.0);
}

}  // namespace

int main() {
  std::unique_ptr<s::testing::SlurmCluster> slurm;
  std::unique_ptr<s::testing::MinioServer> minio;
  try {
    slurm = std::make_unique<s::testing::SlurmCluster>();
    minio = std::make_unique<s::testing::MinioServer>();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "slurm_bench: cannot start the services: %s\n", e.what());
    return 1;
  }
  s::testing::TempDir dir("strata-slurm-bench");
  fs::path home = dir / "home";
  s::testing::configure_postgres_home(home);
  std::map<std::string, fs::path> configs;  // by launch
  for (const char* launch : {"srun", "allocation"}) {
    configs[launch] = dir / (std::string(launch) + ".yaml");
    std::ofstream(configs[launch]) << "execution:\n  slurm:\n    launch: " << launch
                                   << "\n    partition: debug\n    coordinator_host: 127.0.0.1\n    poll_ms: 20\n";
  }
  s::testing::CommandOptions env{
      .user = std::nullopt,
      .extra_env = {"STRATA_TEST_S3_ENDPOINT=" + minio->endpoint(), "AWS_ACCESS_KEY_ID=" + minio->access_key(),
                    "AWS_SECRET_ACCESS_KEY=" + minio->secret_key(), "STRATA_TEST_CHAIN=" + std::to_string(kChain),
                    "STRATA_TEST_FAN=" + std::to_string(kFan), "STRATA_TEST_FAN_MS=1000"}};
  auto materialize = [&](const std::string& selection, const std::string& executor, int concurrency,
                         const std::string& launch = "srun") {
    return std::vector<std::string>{STRATA_SLURM_TEST_PROGRAM,
                                    "materialize",
                                    "--select",
                                    selection,
                                    "--executor",
                                    executor,
                                    "--max-concurrency",
                                    std::to_string(concurrency),
                                    "--config",
                                    configs.at(launch).string(),
                                    "--home",
                                    home.string(),
                                    "--plain"};
  };
  double multiprocess = 1e9;
  std::map<std::string, double> chain = {{"srun", 1e9}, {"allocation", 1e9}};
  const char* repeats = std::getenv("STRATA_SLURM_BENCH_REPEATS");  // fewer, when looking into it
  for (int i = 0; i < (repeats ? std::atoi(repeats) : 3); ++i) {
    multiprocess = std::min(multiprocess, seconds_of(materialize("group:chain", "multiprocess", 2), env));
    for (auto& [launch, best] : chain)
      best = std::min(best, seconds_of(materialize("group:chain", "slurm", 2, launch), env));
  }
  print_breakdown(home);
  std::vector<double> bare;
  for (int i = 0; i < 20; ++i) bare.push_back(seconds_of({"srun", "--partition=debug", "true"}));
  std::sort(bare.begin(), bare.end());
  double srun_true = bare[bare.size() / 2];
  std::map<std::string, double> fanout;
  for (const char* launch : {"allocation", "srun"})  // as many steps at once as CPUs
    fanout[launch] = seconds_of(materialize("group:fan", "slurm", 2, launch), env);

  std::fprintf(stderr,
               "chain of %d: multiprocess %.1f ms, slurm in an allocation %.1f ms, slurm with srun %.1f ms; fan-out "
               "of %d x 1 s: %.2f s in an allocation, %.2f s with srun\n",
               kChain, multiprocess * 1e3, chain["allocation"] * 1e3, chain["srun"] * 1e3, kFan, fanout["allocation"],
               fanout["srun"]);
  for (const auto& [launch, suffix] : {std::pair<std::string, std::string>{"allocation", ""}, {"srun", "_srun"}}) {
    double overhead = (chain[launch] - multiprocess) * 1e3 / kChain;
    s::bench::report("slurm_step_overhead" + suffix + "_ms", overhead, "ms");
    s::bench::report("slurm_step_overhead" + suffix + "_vs_srun_true", overhead / (srun_true * 1e3), "x");
    s::bench::report("slurm_fanout_40" + suffix + "_ratio", fanout[launch] / (kFan * 1.0 / 2), "x");
  }
  s::bench::report("slurm_srun_true_ms", srun_true * 1e3, "ms");
  return 0;
}
