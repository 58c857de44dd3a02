// Benchmark drivers run Google Benchmark and then turn its measurements into the project's
// `BENCH <name> <value> <unit>` lines (and `<name>_ratio` lines against a baseline measured in the
// same run). A driver registers benchmarks with BENCHMARK(...) as usual and ends with
//   STRATA_BENCH_MAIN([](const strata::bench::Results& r) { strata::bench::report(...); })
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace strata::bench {

struct Measurement {
  double seconds_per_iteration = 0;        // real (wall) time
  std::map<std::string, double> counters;  // user counters, as reported
};

// Measurements by benchmark name (the fastest repetition when a benchmark repeats) (as Google Benchmark prints it, e.g.
// "BM_Write/1024").
using Results = std::map<std::string, Measurement>;

// Prints `BENCH <name> <value> <unit>` on stdout.
void report(std::string_view name, double value, std::string_view unit);

// The measurement named `name`; exits with a message when the benchmark did not run.
const Measurement& get(const Results& results, const std::string& name);

// Seconds per iteration of `benchmark` registered with ->Iterations(1)->Repetitions(repeats)->UseRealTime()
// (the fastest repetition); exits with a message when it did not run.
double repeated_seconds(const Results& results, const std::string& benchmark, int repeats);

// Seconds this program (/proc/self/exe) takes to run with `words` as its argv, stdout and stderr
// dropped; exits with a message naming words[1] when it fails.
double program_seconds(const std::vector<std::string>& words);

// Runs every registered benchmark (honouring Google Benchmark's flags) and passes the results on.
int run(int argc, char** argv, const std::function<void(const Results&)>& print_lines);

}  // namespace strata::bench

#define STRATA_BENCH_MAIN(...) \
  int main(int argc, char** argv) { return ::strata::bench::run(argc, argv, __VA_ARGS__); }
