#include "bench_main.hpp"

#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace strata::bench {
namespace {

// Shows Google Benchmark's usual table on stderr and keeps every run's numbers.
class CollectingReporter : public benchmark::ConsoleReporter {
 public:
  explicit CollectingReporter(Results& results) : results_(results) { SetOutputStream(&std::cerr); }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.iterations == 0) continue;
      Measurement m;
      m.seconds_per_iteration = run.real_accumulated_time / static_cast<double>(run.iterations);
      for (const auto& [name, counter] : run.counters) m.counters[name] = counter.value;
      // With repetitions, keep the fastest: the run least disturbed by the rest of the machine.
      auto [it, inserted] = results_.emplace(run.benchmark_name(), m);
      if (!inserted && m.seconds_per_iteration < it->second.seconds_per_iteration) it->second = m;
    }
    ConsoleReporter::ReportRuns(runs);
  }

 private:
  Results& results_;
};

}  // namespace

void report(std::string_view name, double value, std::string_view unit) {
  std::printf("BENCH %.*s %.6g %.*s\n", static_cast<int>(name.size()), name.data(), value,
              static_cast<int>(unit.size()), unit.data());
  std::fflush(stdout);
}

double repeated_seconds(const Results& results, const std::string& benchmark, int repeats) {
  return get(results, benchmark + "/iterations:1/repeats:" + std::to_string(repeats) + "/real_time")
      .seconds_per_iteration;
}

const Measurement& get(const Results& results, const std::string& name) {
  auto it = results.find(name);
  if (it == results.end()) {
    std::fprintf(stderr, "benchmark %s did not run (filtered out?)\n", name.c_str());
    std::exit(1);
  }
  return it->second;
}

int run(int argc, char** argv, const std::function<void(const Results&)>& print_lines) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  Results results;
  CollectingReporter reporter(results);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  print_lines(results);
  return 0;
}

double program_seconds(const std::vector<std::string>& words) {
  std::vector<char*> argv;
  for (const auto& word : words) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "bench: '%s ...' failed (status %d)\n", words.size() > 1 ? words[1].c_str() : "", status);
    std::exit(1);
  }
  return seconds;
}

}  // namespace strata::bench
