// The ADBC table manager against the driver it wraps, on 1M rows x 5 columns (int64, double, string,
// timestamp, bool) into a PostgreSQL server started on loopback for the run, in the same run (the two
// alternate, five times each; each keeps its fastest):
//   adbc_postgres_ingest_ratio      AdbcIOManager::handle_output through materialize() (staging table,
//                                   rename, one transaction) / the PostgreSQL driver's bulk ingest
//                                   called directly (ADBC C API, mode replace, autocommit)
//   adbc_postgres_ingest_direct_ms  the direct ingest
//   adbc_postgres_ingest_strata_ms  the manager's
#include <arrow-adbc/adbc.h>
#include <arrow/api.h>
#include <arrow/c/bridge.h>
#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <strata/adbc/adbc_io_manager.hpp>
#include <strata/adbc/connection.hpp>
#include <strata/strata.hpp>

#include "bench_main.hpp"
#include "bench_tables.hpp"
#include "postgres_server.hpp"

namespace s = strata;

namespace {

constexpr int64_t kRows = 1'000'000;

const s::ArrowTable& table() {
  static const s::ArrowTable t = strata::bench::make_stories_table(kRows);
  return t;
}

s::testing::PostgresServer& server() {
  static s::testing::PostgresServer pg;
  return pg;
}

std::string uri() {
  return "postgresql://" + server().user() + "@127.0.0.1:" + std::to_string(server().port()) + "/postgres";
}

void check(AdbcStatusCode status, AdbcError& error, const char* what) {
  if (status == ADBC_STATUS_OK) return;
  std::string message = std::string(what) + ": " + (error.message ? error.message : "failed");
  if (error.release) error.release(&error);
  throw std::runtime_error(message);
}

// The PostgreSQL driver's bulk ingest through the ADBC C API, nothing of Strata's in between.
class DirectIngest {
 public:
  DirectIngest() {
    void* lib = ::dlopen(s::adbc::driver_library("postgresql").c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) throw std::runtime_error(::dlerror());
    auto init = reinterpret_cast<AdbcDriverInitFunc>(::dlsym(lib, "AdbcDriverInit"));
    AdbcError error = ADBC_ERROR_INIT;
    check(init(ADBC_VERSION_1_1_0, &driver_, &error), error, "AdbcDriverInit");
    check(driver_.DatabaseNew(&database_, &error), error, "DatabaseNew");
    check(driver_.DatabaseSetOption(&database_, "uri", uri().c_str(), &error), error, "uri");
    check(driver_.DatabaseInit(&database_, &error), error, "DatabaseInit");
    check(driver_.ConnectionNew(&connection_, &error), error, "ConnectionNew");
    check(driver_.ConnectionInit(&connection_, &database_, &error), error, "ConnectionInit");
  }
  ~DirectIngest() {
    AdbcError error = ADBC_ERROR_INIT;
    driver_.ConnectionRelease(&connection_, &error);
    driver_.DatabaseRelease(&database_, &error);
  }
  void ingest(const s::ArrowTable& rows) {
    AdbcError error = ADBC_ERROR_INIT;
    AdbcStatement statement{};
    check(driver_.StatementNew(&connection_, &statement, &error), error, "StatementNew");
    check(driver_.StatementSetOption(&statement, ADBC_INGEST_OPTION_TARGET_TABLE, "direct", &error), error, "table");
    check(driver_.StatementSetOption(&statement, ADBC_INGEST_OPTION_MODE, ADBC_INGEST_OPTION_MODE_REPLACE, &error),
          error, "mode");
    ArrowArrayStream stream{};
    if (!arrow::ExportRecordBatchReader(std::make_shared<arrow::TableBatchReader>(rows), &stream).ok()) {
      throw std::runtime_error("export failed");
    }
    check(driver_.StatementBindStream(&statement, &stream, &error), error, "BindStream");
    int64_t written = -1;
    check(driver_.StatementExecuteQuery(&statement, nullptr, &written, &error), error, "ingest");
    driver_.StatementRelease(&statement, &error);
  }

 private:
  AdbcDriver driver_{};
  AdbcDatabase database_{};
  AdbcConnection connection_{};
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The two ingests alternate (kPairs times each), so both see the same machine load (other builds,
// PostgreSQL's checkpoints); each keeps its fastest time.
constexpr int kPairs = 5;

void BM_AdbcIngestPairs(benchmark::State& state) {
  DirectIngest direct;
  auto stories = s::asset("stories", [] { return table(); });
  s::Definitions defs(
      {.assets = {stories}, .resources = {{"io_manager", s::AdbcIOManager({.driver = "postgresql", .uri = uri()})}}});
  double fastest_direct = 1e9, fastest_strata = 1e9;
  for (auto _ : state) {
    for (int pair = 0; pair < kPairs; ++pair) {
      auto start = std::chrono::steady_clock::now();
      direct.ingest(table());
      fastest_direct = std::min(fastest_direct, seconds_since(start));
      start = std::chrono::steady_clock::now();
      auto run = s::materialize(defs, s::AssetSelection::all());
      fastest_strata = std::min(fastest_strata, seconds_since(start));
      if (!run.success()) state.SkipWithError(run.failure_message().c_str());
    }
  }
  state.counters["direct_s"] = fastest_direct;
  state.counters["strata_s"] = fastest_strata;
}
BENCHMARK(BM_AdbcIngestPairs)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& r) {
  const auto& counters = strata::bench::get(r, "BM_AdbcIngestPairs/iterations:1/real_time").counters;
  double direct = counters.at("direct_s");
  double ours = counters.at("strata_s");
  strata::bench::report("adbc_postgres_ingest_ratio", ours / direct, "ratio");
  strata::bench::report("adbc_postgres_ingest_direct_ms", direct * 1000, "ms");
  strata::bench::report("adbc_postgres_ingest_strata_ms", ours * 1000, "ms");
})
