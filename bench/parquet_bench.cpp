// Parquet write/read throughput of a 2M-row table through Arrow C++ (the dependency itself).
#include <arrow/api.h>
#include <arrow/io/api.h>
#include <benchmark/benchmark.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>

#include <filesystem>

#include "bench_main.hpp"

namespace {

constexpr int64_t kRows = 2'000'000;

std::shared_ptr<arrow::Table> make_table() {
  arrow::Int64Builder ids;
  arrow::DoubleBuilder values;
  (void)ids.Reserve(kRows);
  (void)values.Reserve(kRows);
  for (int64_t i = 0; i < kRows; ++i) {
    ids.UnsafeAppend(i * 7919 % 1'000'003);
    values.UnsafeAppend(static_cast<double>(i) * 0.001);
  }
  auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("value", arrow::float64())});
  return arrow::Table::Make(schema, {ids.Finish().ValueOrDie(), values.Finish().ValueOrDie()});
}

const std::shared_ptr<arrow::Table>& table() {
  static auto t = make_table();
  return t;
}

std::string bench_path() { return (std::filesystem::temp_directory_path() / "strata-bench.parquet").string(); }

void BM_ParquetWrite(benchmark::State& state) {
  for (auto _ : state) {
    auto out = arrow::io::FileOutputStream::Open(bench_path()).ValueOrDie();
    if (!parquet::arrow::WriteTable(*table(), arrow::default_memory_pool(), out, 1 << 20).ok()) {
      state.SkipWithError("write failed");
    }
    (void)out->Close();
  }
}
BENCHMARK(BM_ParquetWrite)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void BM_ParquetRead(benchmark::State& state) {
  for (auto _ : state) {
    auto in = arrow::io::ReadableFile::Open(bench_path()).ValueOrDie();
    auto reader = parquet::arrow::OpenFile(in, arrow::default_memory_pool()).ValueOrDie();
    std::shared_ptr<arrow::Table> back;
    if (!reader->ReadTable(&back).ok()) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(back);
  }
}
BENCHMARK(BM_ParquetRead)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& r) {
  double mb = static_cast<double>(kRows) * 16 / 1e6;  // two 8-byte columns in memory
  strata::bench::report("arrow_parquet_write_mb_s",
                        mb / strata::bench::get(r, "BM_ParquetWrite/iterations:5/real_time").seconds_per_iteration,
                        "MB/s");
  strata::bench::report("arrow_parquet_read_mb_s",
                        mb / strata::bench::get(r, "BM_ParquetRead/iterations:5/real_time").seconds_per_iteration,
                        "MB/s");
  std::filesystem::remove(bench_path());
})
