// Table managers against the libraries they wrap, on 10M rows x 5 columns (int64, double, string,
// timestamp, bool), in the same run: ratio = ours / direct library time (lower is better).
//   parquet_write_ratio  ParquetIOManager::handle_output vs parquet::arrow::WriteTable (same codec)
//   parquet_read_ratio   ParquetIOManager::load_input vs parquet::arrow::FileReader::ReadTable
//   duckdb_ingest_ratio  DuckDBIOManager::handle_output vs CREATE TABLE AS from the registered table
//   duckdb_ingest_s      DuckDBIOManager::handle_output of the 10M x 5 table into a database file, seconds
//   duckdb_load_rows_per_s  DuckDBIOManager::load_input
// (Peak memory of the Parquet write is measured in a process of its own: parquet_peak_bench.cpp.)
#include <arrow/api.h>
#include <arrow/io/api.h>
#include <benchmark/benchmark.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <unistd.h>

#include <filesystem>
#include <strata/arrow/file_formats.hpp>
#include <strata/duckdb/duckdb_io_manager.hpp>
#include <strata/strata.hpp>

#include "bench_main.hpp"
#include "bench_tables.hpp"

namespace s = strata;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kRows = 10'000'000;

const fs::path& dir() {
  static const fs::path path = [] {
    fs::path p = fs::temp_directory_path() / ("strata-tables-bench-" + std::to_string(::getpid()));
    fs::create_directories(p);
    return p;
  }();
  return path;
}

const s::ArrowTable& table() {
  static const s::ArrowTable t = strata::bench::make_stories_table(kRows);
  return t;
}

s::ParquetIOManager& parquet() {
  static s::ParquetIOManager manager({.base_uri = (dir() / "lake").string()});
  return manager;
}

s::OutputContext output_context() {
  return s::build_output_context({.asset_key = s::AssetKey("big"), .type = &s::type_of<s::ArrowTable>()});
}
s::InputContext input_context() {
  return s::build_input_context({.asset_key = s::AssetKey("big"), .type = &s::type_of<s::ArrowTable>()});
}

void BM_ArrowParquetWrite(benchmark::State& state) {
  auto properties = parquet::WriterProperties::Builder().compression(arrow::Compression::SNAPPY)->build();
  auto arrow_properties = parquet::ArrowWriterProperties::Builder().store_schema()->build();
  for (auto _ : state) {
    auto out = arrow::io::FileOutputStream::Open((dir() / "direct.parquet").string()).ValueOrDie();
    if (!parquet::arrow::WriteTable(*table(), arrow::default_memory_pool(), out, 1 << 20, properties, arrow_properties)
             .ok()) {
      state.SkipWithError("write failed");
    }
    (void)out->Close();
  }
}
BENCHMARK(BM_ArrowParquetWrite)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(3);

void BM_StrataParquetWrite(benchmark::State& state) {
  for (auto _ : state) {
    auto context = output_context();
    parquet().handle_output(context, s::Value::of(table()));
  }
}
BENCHMARK(BM_StrataParquetWrite)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(3);

void BM_ArrowParquetRead(benchmark::State& state) {
  for (auto _ : state) {
    auto in = arrow::io::ReadableFile::Open((dir() / "direct.parquet").string()).ValueOrDie();
    auto reader = parquet::arrow::OpenFile(in, arrow::default_memory_pool()).ValueOrDie();
    reader->set_use_threads(true);
    std::shared_ptr<arrow::Table> back;
    if (!reader->ReadTable(&back).ok() || back->num_rows() != kRows) state.SkipWithError("read failed");
  }
}
BENCHMARK(BM_ArrowParquetRead)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(3);

void BM_StrataParquetRead(benchmark::State& state) {
  for (auto _ : state) {
    auto context = input_context();
    if (parquet().load_input(context).get<s::ArrowTable>()->num_rows() != kRows) state.SkipWithError("read failed");
  }
}
BENCHMARK(BM_StrataParquetRead)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(3);

void BM_DuckDBDirectIngest(benchmark::State& state) {
  s::DuckDBConnection con(s::DuckDBDatabase::open((dir() / "direct.duckdb").string()));
  for (auto _ : state) {
    con.register_arrow_view("incoming", table());
    con.execute("CREATE OR REPLACE TABLE stories AS SELECT * FROM incoming");
    con.drop_arrow_view("incoming");
  }
}
BENCHMARK(BM_DuckDBDirectIngest)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(3);

s::DuckDBIOManager& duck() {
  static s::DuckDBIOManager manager({.database = (dir() / "strata.duckdb").string()});
  return manager;
}

void BM_StrataDuckDBIngest(benchmark::State& state) {
  for (auto _ : state) {
    auto context = output_context();
    duck().handle_output(context, s::Value::of(table()));
  }
}
BENCHMARK(BM_StrataDuckDBIngest)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(3);

void BM_StrataDuckDBLoad(benchmark::State& state) {
  for (auto _ : state) {
    auto context = input_context();
    if (duck().load_input(context).get<s::ArrowTable>()->num_rows() != kRows) state.SkipWithError("load failed");
  }
}
BENCHMARK(BM_StrataDuckDBLoad)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(3);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& r) {
  using strata::bench::report;
  auto t = [&](const char* name) { return strata::bench::repeated_seconds(r, name, 3); };
  report("parquet_write_ratio", t("BM_StrataParquetWrite") / t("BM_ArrowParquetWrite"), "x");
  report("parquet_read_ratio", t("BM_StrataParquetRead") / t("BM_ArrowParquetRead"), "x");
  report("duckdb_ingest_ratio", t("BM_StrataDuckDBIngest") / t("BM_DuckDBDirectIngest"), "x");
  report("duckdb_ingest_s", t("BM_StrataDuckDBIngest"), "s");
  report("duckdb_load_rows_per_s", static_cast<double>(kRows) / t("BM_StrataDuckDBLoad"), "rows/s");
  std::error_code ignored;
  fs::remove_all(dir(), ignored);
})
