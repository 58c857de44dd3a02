// Filesystem I/O manager on a 1 GiB std::vector<double>, against the machine's limits and the same
// protocol done directly, all measured in the same run (ratios: baseline time / manager time, so
// higher is better and 1 means "as fast as the baseline"):
//   fs_write_limit_ratio   manager store vs the store protocol done directly: new temporary file,
//                          write, fsync, rename over the target, fsync of the directory
//   fs_write_ratio         manager store vs a sequential write of a new file + fsync (no rename)
//   fs_read_limit_ratio    manager load vs a page-cache read of the same file into fresh memory
//   fs_read_ratio          the same ratio, under its older name
//   fs_limit_write_fsync_mb_s, fs_limit_page_cache_read_mb_s, fs_limit_memcpy_mb_s: the physical
//                          limits (memcpy into fresh memory, as a load must fill fresh memory)
//   fs_limit_page_cache_read_huge_pages_mb_s, fs_read_huge_pages_ratio: the page-cache read into
//                          memory advised to use transparent huge pages, as the manager's load does
//                          for large values (the fairest baseline for it), and the load against it
//   fs_write_mb_s, fs_read_mb_s: the manager's throughput
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <strata/strata.hpp>

#include "bench_main.hpp"

namespace s = strata;
namespace fs = std::filesystem;

namespace {

constexpr size_t kBytes = size_t{1} << 30;
constexpr size_t kDoubles = kBytes / sizeof(double);
constexpr int kRepeats = 4;

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

const char* data_bytes() { return reinterpret_cast<const char*>(data().get<std::vector<double>>().data()); }

s::FilesystemIOManager& manager() {
  static s::FilesystemIOManager m({.base_dir = dir().string()});
  return m;
}

bool write_all(int fd, const char* p, size_t left) {
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n <= 0) return false;
    p += n;
    left -= static_cast<size_t>(n);
  }
  return true;
}

// A new file holding the bytes, fsynced.
bool write_new_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = write_all(fd, data_bytes(), kBytes) && ::fsync(fd) == 0;
  return ::close(fd) == 0 && ok;
}

void BM_WriteFsyncLimit(benchmark::State& state) {
  fs::path path = dir() / "limit";
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove(path);
    state.ResumeTiming();
    if (!write_new_file(path)) state.SkipWithError("write failed");
  }
}
BENCHMARK(BM_WriteFsyncLimit)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(kRepeats);

void BM_DirectProtocolWrite(benchmark::State& state) {
  fs::path path = dir() / "direct";
  fs::path temporary = dir() / ".direct.tmp";
  for (auto _ : state) {
    bool ok = write_new_file(temporary) && ::rename(temporary.c_str(), path.c_str()) == 0;
    int dir_fd = ::open(dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = ok && dir_fd >= 0 && ::fsync(dir_fd) == 0;
    if (dir_fd >= 0) ::close(dir_fd);
    if (!ok) state.SkipWithError("direct write failed");
  }
}
BENCHMARK(BM_DirectProtocolWrite)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(kRepeats);

void BM_StrataWrite(benchmark::State& state) {
  auto context = s::build_output_context({.asset_key = s::AssetKey("big"), .type = &data().type()});
  for (auto _ : state) manager().handle_output(context, data());
}
BENCHMARK(BM_StrataWrite)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(kRepeats);

void BM_MemcpyLimit(benchmark::State& state) {
  for (auto _ : state) {
    std::unique_ptr<char[]> buffer(new char[kBytes]);  // fresh, untouched memory, like a decoded vector
    std::memcpy(buffer.get(), data_bytes(), kBytes);
    benchmark::DoNotOptimize(buffer.get());
  }
}
BENCHMARK(BM_MemcpyLimit)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(kRepeats);

// Reads kBytes of `path` into `out` with large reads.
bool read_file(const fs::path& path, char* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  size_t done = 0;
  while (fd >= 0 && done < kBytes) {
    ssize_t n = ::read(fd, out + done, kBytes - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  if (fd >= 0) ::close(fd);
  return done == kBytes;
}

// The manager's file (the same bytes the load reads), from the page cache into fresh memory.
void BM_PageCacheRead(benchmark::State& state) {
  fs::path path = dir() / "big";
  for (auto _ : state) {
    std::unique_ptr<char[]> buffer(new char[kBytes]);
    if (!read_file(path, buffer.get())) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(buffer.get());
  }
}
BENCHMARK(BM_PageCacheRead)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(kRepeats);

// The same into fresh memory advised to use transparent huge pages (as the manager's load advises
// for a large value): one page fault per 2 MiB instead of per 4 KiB.
void BM_PageCacheReadHugePages(benchmark::State& state) {
  fs::path path = dir() / "big";
  constexpr size_t kHuge = size_t{2} << 20;
  for (auto _ : state) {
    std::unique_ptr<char, decltype(&std::free)> buffer(static_cast<char*>(std::aligned_alloc(kHuge, kBytes)),
                                                       &std::free);
    ::madvise(buffer.get(), kBytes, MADV_HUGEPAGE);
    if (!read_file(path, buffer.get())) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(buffer.get());
  }
}
BENCHMARK(BM_PageCacheReadHugePages)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1)
    ->Repetitions(kRepeats);

void BM_StrataRead(benchmark::State& state) {
  auto context = s::build_input_context({.asset_key = s::AssetKey("big"), .type = &data().type()});
  for (auto _ : state) {
    s::Value value = manager().load_input(context);
    if (value.get<std::vector<double>>().size() != kDoubles) state.SkipWithError("short read");
  }
}
BENCHMARK(BM_StrataRead)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(kRepeats);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& r) {
  using strata::bench::report;
  auto t = [&](const char* name) { return strata::bench::repeated_seconds(r, name, kRepeats); };
  double mb = static_cast<double>(kBytes) / 1e6;
  double ours_write = t("BM_StrataWrite");
  double ours_read = t("BM_StrataRead");
  report("fs_write_mb_s", mb / ours_write, "MB/s");
  report("fs_write_ratio", t("BM_WriteFsyncLimit") / ours_write, "x");
  report("fs_write_limit_ratio", t("BM_DirectProtocolWrite") / ours_write, "x");
  report("fs_read_mb_s", mb / ours_read, "MB/s");
  report("fs_read_ratio", t("BM_PageCacheRead") / ours_read, "x");
  report("fs_read_limit_ratio", t("BM_PageCacheRead") / ours_read, "x");
  report("fs_limit_write_fsync_mb_s", mb / t("BM_WriteFsyncLimit"), "MB/s");
  report("fs_limit_page_cache_read_mb_s", mb / t("BM_PageCacheRead"), "MB/s");
  report("fs_limit_memcpy_mb_s", mb / t("BM_MemcpyLimit"), "MB/s");
  report("fs_limit_page_cache_read_huge_pages_mb_s", mb / t("BM_PageCacheReadHugePages"), "MB/s");
  report("fs_read_huge_pages_ratio", t("BM_PageCacheReadHugePages") / ours_read, "x");
  std::error_code ignored;
  fs::remove_all(dir(), ignored);
})
