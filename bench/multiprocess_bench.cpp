// multiprocess_step_overhead_ms: what running each step in its own process costs, per step, on a
// 200-step chain stored by the filesystem I/O manager in a recorded run (data and instance on
// /dev/shm when there is one): (multi-process run time -
// in-process run time) / 200, both as `materialize --select '*'` of this program (so both pay one
// start of the program and the same instance writes). Where the time goes:
//   multiprocess_process_start_ms   starting this program and returning (exec, dynamic linking,
//                                   building the Definitions, exit): `<program> --version`; paid
//                                   once per run by the step server, never per step
//   multiprocess_definitions_ms     building the 200-asset Definitions, in process (likewise)
//   multiprocess_fork_ms            fork + exit + wait of a process holding those Definitions: the
//                                   part of the per-step cost that is the process itself
// Per step remain a fork of the step server, the step's plan and resources, and the socket round
// trips of its events and of the commit before publishing.
// The fastest of 5 interleaved repetitions of each run is taken (the one least disturbed by the machine).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <strata/cli/run_cli.hpp>
#include <strata/strata.hpp>
#include <string>
#include <vector>

#include "bench_main.hpp"

namespace s = strata;
namespace fs = std::filesystem;

namespace {

constexpr int kSteps = 200;
constexpr int kRepetitions = 5;

s::Definitions chain(const fs::path& data) {
  std::vector<s::AssetsDefinition> assets;
  assets.push_back(s::asset("step_0", [] { return int64_t{0}; }));
  for (int i = 1; i < kSteps; ++i) {
    assets.push_back(s::asset("step_" + std::to_string(i), {.ins = {"step_" + std::to_string(i - 1)}},
                              [](int64_t previous) { return previous + 1; }));
  }
  return s::Definitions({.assets = std::move(assets),
                         .resources = {{"io_manager", s::FilesystemIOManager({.base_dir = data.string()})}}});
}

double run_seconds(const std::vector<std::string>& words) { return s::bench::program_seconds(words); }

double fastest(const std::vector<std::string>& words) {
  double best = 1e9;
  for (int i = 0; i < kRepetitions; ++i) best = std::min(best, run_seconds(words));
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "--data") {  // this program as a user's: the runs and their steps
    s::Definitions defs = chain(argv[2]);
    std::vector<char*> args{argv[0]};
    for (int i = 3; i < argc; ++i) args.push_back(argv[i]);
    return s::run_cli(defs, static_cast<int>(args.size()), args.data());
  }
  // On tmpfs when there is one: fsync is then free, and what is measured is the executors, not how
  // busy the disk is (both runs fsync the same files and the same instance commits).
  fs::path base = fs::is_directory("/dev/shm") && ::access("/dev/shm", W_OK) == 0 ? fs::path("/dev/shm")
                                                                                  : fs::temp_directory_path();
  fs::path dir = base / ("strata-multiprocess-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string self = argv[0];
  auto materialize = [&](const std::string& executor) {
    return std::vector<std::string>{
        self,     "--data", (dir / "data").string(), "materialize", "--select", "*", "--executor",
        executor, "--home", (dir / "home").string(), "--plain"};
  };
  // Interleaved, so that both meet the same machine.
  double in_process = 1e9, multiprocess = 1e9;
  for (int i = 0; i < kRepetitions; ++i) {
    in_process = std::min(in_process, run_seconds(materialize("in_process")));
    multiprocess = std::min(multiprocess, run_seconds(materialize("multiprocess")));
  }
  double start = fastest({self, "--data", (dir / "data").string(), "--version"});
  auto before = std::chrono::steady_clock::now();
  { s::Definitions defs = chain(dir / "data"); }
  double definitions = std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count();
  double fork_seconds = 0;
  {
    s::Definitions defs = chain(dir / "data");
    constexpr int kForks = 50;
    auto forks_start = std::chrono::steady_clock::now();
    for (int i = 0; i < kForks; ++i) {
      pid_t pid = ::fork();
      if (pid == 0) ::_exit(0);
      ::waitpid(pid, nullptr, 0);
    }
    fork_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - forks_start).count() / kForks;
  }
  fs::remove_all(dir);

  std::fprintf(stderr, "in_process run %.1f ms (%.3f ms/step), multiprocess run %.1f ms (%.3f ms/step)\n",
               in_process * 1e3, in_process * 1e3 / kSteps, multiprocess * 1e3, multiprocess * 1e3 / kSteps);
  s::bench::report("multiprocess_step_overhead_ms", (multiprocess - in_process) * 1e3 / kSteps, "ms");
  s::bench::report("multiprocess_process_start_ms", start * 1e3, "ms");
  s::bench::report("multiprocess_definitions_ms", definitions * 1e3, "ms");
  s::bench::report("multiprocess_fork_ms", fork_seconds * 1e3, "ms");
  return 0;
}
