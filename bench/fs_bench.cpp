// Filesystem I/O manager throughput on a 1 GiB std::vector<double>, against plain write+fsync and
// read of the same bytes in the same run (ratio = ours / plain syscalls; higher is better).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <strata/strata.hpp>

#include "bench_main.hpp"

namespace s = strata;
namespace fs = std::filesystem;

namespace {

constexpr size_t kBytes = size_t{1} << 30;
constexpr size_t kDoubles = kBytes / sizeof(double);

const fs::path& dir() {
  static const fs::path path = [] {
    fs::path p = fs::temp_directory_path() / ("strata-fs-bench-" + std::to_string(::getpid()));
    fs::create_directories(p);
    return p;
  }();
  return path;
}

const s::Value& data() {
  static const s::Value value = [] {
    std::vector<double> v(kDoubles);
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i) * 0.5;
    return s::Value::of(std::move(v));
  }();
  return value;
}

s::FilesystemIOManager& manager() {
  static s::FilesystemIOManager m({.base_dir = dir().string()});
  return m;
}

void BM_PlainWrite(benchmark::State& state) {
  const auto& v = data().get<std::vector<double>>();
  fs::path path = dir() / "plain";
  for (auto _ : state) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const char* p = reinterpret_cast<const char*>(v.data());
    size_t left = kBytes;
    while (left > 0) {
      ssize_t n = ::write(fd, p, left);
      if (n <= 0) state.SkipWithError("write failed");
      p += n;
      left -= static_cast<size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
  }
}
BENCHMARK(BM_PlainWrite)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1)
    ->Repetitions(4)
    ->ReportAggregatesOnly(false);

void BM_StrataWrite(benchmark::State& state) {
  auto context = s::build_output_context({.asset_key = s::AssetKey("big"), .type = &data().type()});
  for (auto _ : state) manager().handle_output(context, data());
}
BENCHMARK(BM_StrataWrite)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1)
    ->Repetitions(4)
    ->ReportAggregatesOnly(false);

void BM_PlainRead(benchmark::State& state) {
  fs::path path = dir() / "plain";
  for (auto _ : state) {
    std::unique_ptr<char[]> buffer(new char[kBytes]);  // fresh, untouched memory, like a decoded vector
    int fd = ::open(path.c_str(), O_RDONLY);
    size_t done = 0;
    while (done < kBytes) {
      ssize_t n = ::read(fd, buffer.get() + done, kBytes - done);
      if (n <= 0) state.SkipWithError("read failed");
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    benchmark::DoNotOptimize(buffer.get());
  }
}
BENCHMARK(BM_PlainRead)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1)
    ->Repetitions(4)
    ->ReportAggregatesOnly(false);

void BM_StrataRead(benchmark::State& state) {
  auto context = s::build_input_context({.asset_key = s::AssetKey("big"), .type = &data().type()});
  for (auto _ : state) {
    s::Value value = manager().load_input(context);
    if (value.get<std::vector<double>>().size() != kDoubles) state.SkipWithError("short read");
  }
}
BENCHMARK(BM_StrataRead)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1)
    ->Repetitions(4)
    ->ReportAggregatesOnly(false);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& r) {
  using strata::bench::get;
  using strata::bench::report;
  double mb = static_cast<double>(kBytes) / 1e6;
  double plain_write = get(r, "BM_PlainWrite/iterations:1/repeats:4/real_time").seconds_per_iteration;
  double ours_write = get(r, "BM_StrataWrite/iterations:1/repeats:4/real_time").seconds_per_iteration;
  double plain_read = get(r, "BM_PlainRead/iterations:1/repeats:4/real_time").seconds_per_iteration;
  double ours_read = get(r, "BM_StrataRead/iterations:1/repeats:4/real_time").seconds_per_iteration;
  report("fs_write_mb_s", mb / ours_write, "MB/s");
  report("fs_write_ratio", plain_write / ours_write, "x");
  report("fs_read_mb_s", mb / ours_read, "MB/s");
  report("fs_read_ratio", plain_read / ours_read, "x");
  std::error_code ignored;
  fs::remove_all(dir(), ignored);
})
