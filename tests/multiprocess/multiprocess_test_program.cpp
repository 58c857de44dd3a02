// strata_multiprocess_test_program <data dir> <cli args...>: definitions for the multi-process
// executor and detached runs, behind strata::run_cli as a user's binary would be.
//
//   numbers -> doubled                      filesystem manager
//   numbers -> segfaults -> after_segfault  segfaults raises SIGSEGV
//   numbers -> aborts                       calls std::abort
//   ids (Parquet) -> id_table (DuckDB) -> id_sum (filesystem)
//   kept (in-memory manager "memory") -> kept_user
//   gate                                    waits until the file $STRATA_TEST_GATE exists
//   pid_a, pid_b                            return the pid of the process that ran them
//   patient                                 waits until the run is canceled (cooperatively)
//   flaky                                   asks for a retry (RetryRequested) until the file
//                                           $STRATA_TEST_FLAKY holds 2 attempts, counting them there
//   scaled                                  numbers times its config's factor (ops.scaled.config)
//   region -> region_upper                  partitioned (static eu, us)
//   half_published                          its manager ("crash_publish") kills the process between
//                                           recording the materialization and publishing the file
// Jobs: crash_job (numbers, doubled, segfaults, after_segfault, aborts), tables_job (ids, id_table,
// id_sum), memory_job (kept, kept_user), pids_job (pid_a, pid_b; executor multiprocess in code),
// ops_job (make -> add_one, op outputs through the filesystem manager).
// `--without-run-cli <data dir>` runs pids_job from main() without run_cli (which cannot work).
// The table assets and tables_job exist when built with tables (STRATA_TEST_TABLES).
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <strata/cli/run_cli.hpp>
#include <strata/strata.hpp>
#include <thread>
#include <vector>

#include "dying_managers.hpp"

#ifdef STRATA_TEST_TABLES
#include <arrow/api.h>

#include <strata/arrow/file_formats.hpp>
#include <strata/arrow/path_io_manager.hpp>
#include <strata/duckdb/duckdb_io_manager.hpp>
#endif

namespace s = strata;

namespace {

struct ScaleConfig {
  int64_t factor = 1;
  STRATA_CONFIG_FIELDS(factor)
};

// The filesystem manager, killed (SIGKILL) when it is about to publish a staged output.
using CrashingPublishManager = s::testing::DiesBeforePublishing<s::FilesystemIOManager>;

// The filesystem manager, whose setup fails as an unreachable store's would.
class UnreachableManager : public s::FilesystemIOManager {
 public:
  using s::FilesystemIOManager::FilesystemIOManager;
  void setup(s::InitContext&) override { throw s::StorageError("the store is unreachable"); }
};

#ifdef STRATA_TEST_TABLES
s::ArrowTable id_rows(int64_t count) {
  arrow::Int64Builder ids;
  for (int64_t i = 1; i <= count; ++i) (void)ids.Append(i);
  return arrow::Table::Make(arrow::schema({arrow::field("id", arrow::int64())}), {ids.Finish().ValueOrDie()});
}

// ids (Parquet) -> id_table (DuckDB) -> id_sum, tables_job, and their managers.
void add_tables(s::DefinitionsSpec& spec, const std::filesystem::path& data) {
  spec.assets.push_back(s::asset("ids", {.io_manager_key = "parquet"}, [] { return id_rows(100); }));
  spec.assets.push_back(
      s::asset("id_table", {.ins = {"ids"}, .io_manager_key = "duckdb"}, [](const s::ArrowTable& ids) { return ids; }));
  spec.assets.push_back(s::asset("id_sum", {.ins = {"id_table"}}, [](const s::ArrowTable& table) {
    int64_t sum = 0;
    for (const auto& chunk : table->GetColumnByName("id")->chunks()) {
      auto ints = std::static_pointer_cast<arrow::Int64Array>(chunk);
      for (int64_t i = 0; i < ints->length(); ++i) sum += ints->Value(i);
    }
    return sum;
  }));
  spec.jobs.push_back(s::define_asset_job("tables_job", s::AssetSelection::keys({"ids", "id_table", "id_sum"})));
  spec.resources.emplace("parquet", s::ParquetIOManager({.base_uri = (data / "lake").string()}));
  spec.resources.emplace("duckdb", s::DuckDBIOManager({.database = (data / "warehouse.duckdb").string()}));
}
#endif

s::Definitions definitions(const std::filesystem::path& data) {
  using Numbers = std::vector<int64_t>;
  std::vector<s::AssetsDefinition> assets;
  assets.push_back(s::asset("numbers", [] { return Numbers{1, 2, 3}; }));
  assets.push_back(s::asset("doubled", {.ins = {"numbers"}}, [](s::AssetContext& ctx, const Numbers& numbers) {
    Numbers out;
    for (int64_t n : numbers) out.push_back(2 * n);
    ctx.add_output_metadata({{"count", static_cast<int64_t>(out.size())}});
    ctx.log().info("doubled in process " + std::to_string(::getpid()));
    return out;
  }));
  assets.push_back(s::asset("segfaults", {.ins = {"numbers"}}, [](const Numbers& numbers) -> int64_t {
    // A crash no handler catches: under `make sanitize` ASan's SIGSEGV handler would end the
    // process with SIGABRT instead.
    ::signal(SIGSEGV, SIG_DFL);
    ::raise(SIGSEGV);
    return static_cast<int64_t>(numbers.size());
  }));
  assets.push_back(s::asset("after_segfault", {.ins = {"segfaults"}}, [](int64_t n) { return n + 1; }));
  assets.push_back(s::asset("aborts", {.ins = {"numbers"}}, [](const Numbers&) -> int64_t { std::abort(); }));
  assets.push_back(s::asset("kept", {.io_manager_key = "memory"}, [] { return int64_t{7}; }));
  assets.push_back(s::asset("kept_user", {.ins = {"kept"}}, [](int64_t kept) { return kept + 1; }));
  assets.push_back(s::asset("gate", [](s::AssetContext& ctx) {
    const char* gate = std::getenv("STRATA_TEST_GATE");
    ctx.log().info("waiting for the gate file");
    while (gate && !std::filesystem::exists(gate)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return std::string("opened");
  }));
  assets.push_back(s::asset("patient", [](s::AssetContext& ctx) {
    ctx.log().info("waiting to be canceled");
    while (!ctx.wait_unless_canceled(std::chrono::seconds(1))) {
    }
    ctx.check_canceled();
    return int64_t{1};
  }));
  assets.push_back(s::asset("flaky", [] {
    std::filesystem::path counter = std::getenv("STRATA_TEST_FLAKY");
    int attempts = 0;
    std::ifstream(counter) >> attempts;
    std::ofstream(counter) << ++attempts;
    if (attempts < 3) throw s::RetryRequested("attempt " + std::to_string(attempts) + " was unlucky", 5);
    return int64_t{attempts};
  }));
  assets.push_back(s::asset("scaled", {.ins = {"numbers"}}, [](const ScaleConfig& config, const Numbers& numbers) {
    Numbers out;
    for (int64_t n : numbers) out.push_back(n * config.factor);
    return out;
  }));
  auto regions = s::static_partitions({"eu", "us"});
  assets.push_back(
      s::asset("region", {.partitions = regions}, [](s::AssetContext& ctx) { return ctx.partition_key(); }));
  assets.push_back(s::asset("region_upper", {.ins = {"region"}, .partitions = regions}, [](const std::string& region) {
    std::string upper = region;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return upper;
  }));
  assets.push_back(s::asset("half_published", {.io_manager_key = "crash_publish"}, [] { return int64_t{42}; }));
  assets.push_back(s::asset("unreachable", {.io_manager_key = "unreachable"}, [] { return int64_t{1}; }));
  assets.push_back(s::asset("pid_a", [] { return static_cast<int64_t>(::getpid()); }));
  assets.push_back(s::asset("pid_b", [] { return static_cast<int64_t>(::getpid()); }));

  auto make = s::op("make", [] { return int64_t{20}; });
  auto add_one = s::op("add_one", {.ins = {"n"}}, [](int64_t n) { return n + 1; });
  auto keys = [](std::vector<s::AssetKey> list) { return s::AssetSelection::keys(std::move(list)); };
  s::DefinitionsSpec spec{
      .assets = std::move(assets),
      .jobs = {s::define_asset_job("crash_job", keys({"numbers", "doubled", "segfaults", "after_segfault", "aborts"})),
               s::define_asset_job("memory_job", keys({"kept", "kept_user"})),
               s::define_asset_job("pids_job", keys({"pid_a", "pid_b"}), {.executor = s::ExecutorKind::kMultiprocess}),
               s::job("ops_job", [&] { add_one(make()); })},
      .resources = {{"io_manager", s::FilesystemIOManager({.base_dir = (data / "files").string()})},
                    {"memory", s::InMemoryIOManager()},
                    {"crash_publish", CrashingPublishManager({.base_dir = (data / "files").string()})},
                    {"unreachable", UnreachableManager({.base_dir = (data / "files").string()})}},
  };
#ifdef STRATA_TEST_TABLES
  add_tables(spec, data);
#endif
  return s::Definitions(std::move(spec));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: strata_multiprocess_test_program <data dir> <command> ...\n");
    return 2;
  }
  if (std::string(argv[1]) == "--without-run-cli" && argc > 2) {
    // A program whose main never reaches run_cli, running a multi-process job.
    auto defs = definitions(argv[2]);
    s::RunResult result = s::execute_job(defs, "pids_job");
    std::printf("%s\n", result.failure_message().c_str());
    return result.success() ? 0 : 1;
  }
  auto defs = definitions(argv[1]);
  std::vector<char*> args{argv[0]};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  int code = s::run_cli(defs, static_cast<int>(args.size()), args.data());
#ifdef STRATA_TEST_TABLES
  s::finalize_s3();
#endif
  return code;
}
