// The ADBC table manager against the driver it wraps, on 1M rows x 5 columns (int64, double, string,
// timestamp, bool) into a PostgreSQL server started on loopback for the run, in the same run:
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

void BM_AdbcDirectIngest(benchmark::State& state) {
  DirectIngest direct;
  for (auto _ : state) direct.ingest(table());
}
BENCHMARK(BM_AdbcDirectIngest)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(3);

void BM_StrataAdbcIngest(benchmark::State& state) {
  auto stories = s::asset("stories", [] { return table(); });
  s::Definitions defs(
      {.assets = {stories}, .resources = {{"io_manager", s::AdbcIOManager({.driver = "postgresql", .uri = uri()})}}});
  for (auto _ : state) {
    auto run = s::materialize(defs, s::AssetSelection::all());
    if (!run.success()) state.SkipWithError(run.failure_message().c_str());
  }
}
BENCHMARK(BM_StrataAdbcIngest)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1)->Repetitions(3);

}  // namespace

STRATA_BENCH_MAIN([](const strata::bench::Results& r) {
  double direct = strata::bench::repeated_seconds(r, "BM_AdbcDirectIngest", 3);
  double ours = strata::bench::repeated_seconds(r, "BM_StrataAdbcIngest", 3);
  strata::bench::report("adbc_postgres_ingest_ratio", ours / direct, "ratio");
  strata::bench::report("adbc_postgres_ingest_direct_ms", direct * 1000, "ms");
  strata::bench::report("adbc_postgres_ingest_strata_ms", ours * 1000, "ms");
})
