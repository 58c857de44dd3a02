// The DuckDB I/O manager and resource: tables replaced or partition rows rewritten in one
// transaction, loads with columns and partitions, errors, and a table read by another process.
#include <arrow/api.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <strata/duckdb/duckdb_io_manager.hpp>
#include <strata/strata.hpp>

#include "dying_managers.hpp"
#include "expect_error.hpp"
#include "forked_child.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace s = strata;
using strata::testing::error_of;
using strata::testing::TempDir;

namespace {

bool libduckdb_mapped() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find("libduckdb") != std::string::npos) return true;
  }
  return false;
}

// Start-up: a program linked with strata::duckdb loads libduckdb only when it opens a database (each
// test runs in a process of its own, so nothing before this opened one).
TEST(DuckDBLibrary, IsLoadedOnlyWhenTheFirstDatabaseOpens) {
  s::DuckDBIOManager manager({.database = ":memory:"});
  EXPECT_FALSE(libduckdb_mapped());
  auto database = s::DuckDBDatabase::open(":memory:");
  s::DuckDBConnection(database).execute("SELECT 1");
  EXPECT_TRUE(libduckdb_mapped());
}

// Rows (day, id, title) for one day: ids first..first+rows.
s::ArrowTable rows_for(int day_of_month, int64_t first, int64_t rows, bool with_title = true) {
  arrow::Date32Builder days;
  arrow::Int64Builder ids;
  arrow::StringBuilder titles;
  int32_t days_since_epoch = 19723 + (day_of_month - 1);  // 2024-01-01 is day 19723
  for (int64_t i = first; i < first + rows; ++i) {
    EXPECT_TRUE(days.Append(days_since_epoch).ok());
    EXPECT_TRUE(ids.Append(i).ok());
    EXPECT_TRUE(titles.Append("title " + std::to_string(i)).ok());
  }
  std::vector<std::shared_ptr<arrow::Field>> fields = {arrow::field("day", arrow::date32()),
                                                       arrow::field("id", arrow::int64())};
  std::vector<std::shared_ptr<arrow::Array>> columns = {days.Finish().ValueOrDie(), ids.Finish().ValueOrDie()};
  if (with_title) {
    fields.push_back(arrow::field("title", arrow::utf8()));
    columns.push_back(titles.Finish().ValueOrDie());
  }
  return arrow::Table::Make(arrow::schema(fields), columns);
}

std::string query_in_other_process(const std::string& database, const std::string& sql) {
  auto result = s::testing::run_command({STRATA_DUCKDB_QUERY, database, sql});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return result.output;
}

TEST(DuckDBIOManager, TableReplacedAndReadByAnotherProcess) {
  TempDir dir;
  std::string db = (dir / "analytics.hackernews").string();
  int version = 0;
  auto topstories =
      s::asset("topstories", {.key_prefix = {"hackernews"}}, [&] { return rows_for(1, 0, ++version * 10); });
  auto count = s::asset(
      "count",
      {.ins = {s::AssetIn{.name = "t", .key = s::AssetKey("hackernews/topstories")}}, .io_manager_key = "memory"},
      [](const s::ArrowTable& t) { return t->num_rows(); });
  s::Definitions defs(
      {.assets = {topstories, count},
       .resources = {{"io_manager", s::DuckDBIOManager({.database = db})}, {"memory", s::InMemoryIOManager()}}});
  auto first = s::materialize(defs, s::AssetSelection::all());
  ASSERT_TRUE(first.success()) << first.failure_message();
  EXPECT_EQ(first.asset_value<int64_t>("count"), 10);
  auto m = first.materialization("hackernews/topstories").metadata;
  EXPECT_EQ(m.at("table").as_text(), "hackernews.topstories");
  EXPECT_EQ(m.at("num_rows").as_int(), 10);
  EXPECT_EQ(query_in_other_process(db, "SELECT count(*) FROM hackernews.topstories"), "10\n");
  ASSERT_TRUE(s::materialize(defs, s::AssetSelection::all()).success());
  EXPECT_EQ(query_in_other_process(db, "SELECT count(*) || ' ' || max(title) FROM hackernews.topstories"),
            "20 title 9\n");
}

TEST(DuckDBIOManager, PartitionRowsAreRewrittenInPlace) {
  // Without an instance the rows are written in one transaction; with one they are staged first and
  // applied after the record (two-phase): the table ends the same.
  for (bool recorded : {false, true}) {
    SCOPED_TRACE(recorded ? "recorded by an instance" : "no instance");
    TempDir dir;
    std::string db = (dir / "events.duckdb").string();
    auto days = s::daily_partitions("2024-01-01", {.end = "2024-01-10"});
    int64_t rows_per_day = 3;
    auto events =
        s::asset("events", {.metadata = {{"partition_expr", "day"}}, .partitions = days}, [&](s::AssetContext& ctx) {
          int day = std::stoi(ctx.partition_key().substr(8, 2));
          return rows_for(day, day * 100, rows_per_day);
        });
    auto day_rows = s::asset("day_rows", {.ins = {"events"}, .io_manager_key = "memory", .partitions = days},
                             [](const s::ArrowTable& t) { return t->num_rows(); });
    s::Definitions defs(
        {.assets = {events, day_rows},
         .resources = {{"io_manager", s::DuckDBIOManager({.database = db})}, {"memory", s::InMemoryIOManager()}}});
    auto instance = recorded ? s::Instance::open(dir / "home") : nullptr;
    auto on = [&](const char* day) { return s::RunOptions{.instance = instance, .partition_keys = {day}}; };
    for (const char* day : {"2024-01-02", "2024-01-03"}) {
      ASSERT_TRUE(s::materialize(defs, s::AssetSelection::keys({"events"}), on(day)).success());
    }
    rows_per_day = 5;  // rewrite one partition with more rows
    ASSERT_TRUE(s::materialize(defs, s::AssetSelection::keys({"events"}), on("2024-01-02")).success());
    EXPECT_EQ(query_in_other_process(db, "SELECT day || ':' || count(*) FROM public.events GROUP BY day ORDER BY day"),
              "2024-01-02:5\n2024-01-03:3\n");
    EXPECT_EQ(query_in_other_process(db, "SELECT count(*) FROM duckdb_tables() WHERE starts_with(table_name, '__')"),
              "0\n");
    auto loaded = s::materialize(defs, s::AssetSelection::keys({"day_rows"}), on("2024-01-03"));
    ASSERT_TRUE(loaded.success()) << loaded.failure_message();
    EXPECT_EQ(loaded.asset_value<int64_t>("day_rows"), 3);
  }
}

TEST(DuckDBIOManager, FailedPartitionWriteKeepsTheTable) {
  TempDir dir;
  std::string db = (dir / "events.duckdb").string();
  auto regions = s::static_partitions({"us", "eu"});
  auto sales =
      s::asset("sales", {.metadata = {{"partition_expr", "region"}}, .partitions = regions}, [](s::AssetContext& ctx) {
        arrow::StringBuilder region;
        arrow::Int64Builder amount;
        EXPECT_TRUE(region.Append(ctx.partition_key()).ok());
        EXPECT_TRUE(amount.Append(7).ok());
        std::vector<std::shared_ptr<arrow::Field>> fields = {arrow::field("region", arrow::utf8()),
                                                             arrow::field("amount", arrow::int64())};
        std::vector<std::shared_ptr<arrow::Array>> columns = {region.Finish().ValueOrDie(),
                                                              amount.Finish().ValueOrDie()};
        if (ctx.partition_key() == "eu") {  // a schema drift in one partition
          fields[1] = arrow::field("amount", arrow::utf8());
          arrow::StringBuilder text;
          EXPECT_TRUE(text.Append("seven").ok());
          columns[1] = text.Finish().ValueOrDie();
        }
        return arrow::Table::Make(arrow::schema(fields), columns);
      });
  s::Definitions defs({.assets = {sales}, .resources = {{"io_manager", s::DuckDBIOManager({.database = db})}}});
  ASSERT_TRUE(s::materialize(defs, s::AssetSelection::all(), {.partition_keys = {"us"}}).success());
  auto failed = s::materialize(defs, s::AssetSelection::all(), {.partition_keys = {"eu"}});
  ASSERT_FALSE(failed.success());
  EXPECT_NE(failed.step("sales").error_message.find("the partition's columns differ from table \"public\".\"sales\" "
                                                    "(amount: int64 vs string)"),
            std::string::npos)
      << failed.step("sales").error_message;
  EXPECT_EQ(query_in_other_process(db, "SELECT region || '=' || amount FROM public.sales"), "us=7\n");
}

TEST(DuckDBIOManager, ColumnsMissingTablesAndWrongTypes) {
  TempDir dir;
  std::string db = (dir / "x.duckdb").string();
  s::DuckDBIOManager manager({.database = db});
  auto out = s::build_output_context({.asset_key = s::AssetKey("t"), .type = &s::type_of<s::ArrowTable>()});
  manager.handle_output(out, s::Value::of(rows_for(1, 0, 4)));
  auto in = s::build_input_context({.asset_key = s::AssetKey("t"),
                                    .name = "t",
                                    .metadata = {{"columns", std::vector<std::string>{"id"}}},
                                    .type = &s::type_of<s::ArrowTable>()});
  auto back = manager.load_input(in).get<s::ArrowTable>();
  EXPECT_EQ(back->schema()->field_names(), (std::vector<std::string>{"id"}));
  EXPECT_EQ(back->num_rows(), 4);
  auto missing =
      s::build_input_context({.asset_key = s::AssetKey("analytics/never"), .type = &s::type_of<s::ArrowTable>()});
  std::string message = error_of([&] { manager.load_input(missing); });
  EXPECT_NE(message.find("asset 'analytics/never': no table analytics.never in DuckDB database '" + db + "'"),
            std::string::npos)
      << message;
  auto words = s::asset("words", [] { return std::map<std::string, int>{{"a", 1}}; });
  message = error_of([&] {
    s::Definitions({.assets = {words}, .resources = {{"io_manager", s::DuckDBIOManager({.database = db})}}});
  });
  EXPECT_NE(message.find("cannot store values of type std::map<std::string, int>"), std::string::npos) << message;
  EXPECT_NE(error_of([] {
              s::Definitions({.resources = {{"db", s::DuckDBIOManager()}}});
            }).find("field 'database'"),
            std::string::npos);
}

// The seed: an asset that only depends on another (deps) and runs its own SQL through a resource.
TEST(DuckDBIOManager, DepsOnlyAssetRunsItsOwnSqlThroughTheResource) {
  TempDir dir;
  std::string db = (dir / "shop.duckdb").string();
  auto orders = s::asset("orders", [] {
    arrow::StringBuilder status;
    arrow::Int64Builder id;
    for (int i = 0; i < 6; ++i) {
      EXPECT_TRUE(id.Append(i).ok());
      EXPECT_TRUE(status.Append(i % 3 == 0 ? "RETURNED" : "SHIPPED").ok());
    }
    return arrow::Table::Make(
        arrow::schema({arrow::field("id", arrow::int64()), arrow::field("status", arrow::utf8())}),
        {id.Finish().ValueOrDie(), status.Finish().ValueOrDie()});
  });
  auto returns =
      s::asset("returns", {.deps = {"orders"}, .required_resource_keys = {"duckdb"}}, [](s::AssetContext& ctx) {
        auto con = ctx.resources().get<s::DuckDBResource>("duckdb").connect();
        con->execute("CREATE OR REPLACE TABLE public.returns AS SELECT * FROM public.orders WHERE status = 'RETURNED'");
      });
  auto result = s::materialize({orders, returns}, {.resources = {{"io_manager", s::DuckDBIOManager({.database = db})},
                                                                 {"duckdb", s::DuckDBResource({.database = db})}}});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(query_in_other_process(db, "SELECT count(*) FROM public.returns"), "2\n");
}

// Findings of fault injection: keys that map to one table are refused; a file another process
// holds is waited for, then refused with an error naming it.
TEST(DuckDBIOManager, KeysThatWouldShareATableAreRefused) {
  auto table = [] { return rows_for(1, 0, 1); };
  s::DuckDBIOManager manager({.database = ":memory:"});
  for (auto [first, second] : {std::pair{"s1/b/c", "s2/b/c"}, {"public/t", "t"}, {"Sales/Orders", "sales/orders"}}) {
    auto a = s::asset(s::AssetKey(first), table);
    auto b = s::asset(s::AssetKey(second), table);
    std::string message = error_of([&] { s::Definitions({.assets = {a, b}, .resources = {{"io_manager", manager}}}); });
    EXPECT_NE(message.find("would both be stored as"), std::string::npos) << message;
    EXPECT_NE(message.find(first), std::string::npos) << message;
  }
  auto other_schema = s::asset(s::AssetKey("analytics/t"), table);
  auto plain = s::asset("t", table);
  EXPECT_NO_THROW(s::Definitions({.assets = {other_schema, plain}, .resources = {{"io_manager", manager}}}));
}

TEST(DuckDBIOManager, AFileHeldByAnotherProcessIsWaitedFor) {
  TempDir dir;
  std::string db = (dir / "shared.duckdb").string();
  auto held = s::DuckDBDatabase::open(db);
  s::testing::Child waiter({STRATA_DUCKDB_OPEN, db, "600"});
  auto line = waiter.read_line();  // the waiter found the file locked and waits ...
  ASSERT_TRUE(line.has_value());
  EXPECT_NE(line->find("waiting: DuckDB database '" + db + "' is locked by another process"), std::string::npos)
      << *line;
  held.reset();  // ... until this process lets go of it
  line = waiter.read_line();
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line, "opened");
  EXPECT_EQ(waiter.wait(), 0);
}

TEST(DuckDBIOManager, AFileHeldTooLongIsAClearError) {
  TempDir dir;
  std::string db = (dir / "shared.duckdb").string();
  auto held = s::DuckDBDatabase::open(db);
  auto result = s::testing::run_command({STRATA_DUCKDB_OPEN, db, "0"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("error: DuckDB database '" + db + "' is locked by another process; waited"),
            std::string::npos)
      << result.output;
}

// DuckDB managers that die (SIGKILL) right after staging the rows, or at the moment they would
// publish (after the run recorded the materialization, before the staged rows were applied).
using DiesAfterStaging = s::testing::DiesAfterStaging<s::DuckDBIOManager>;
using DiesBeforePublishing = s::testing::DiesBeforePublishing<s::DuckDBIOManager>;

// Two-phase writes with a real kill: the file is named like the schema (catalog "analytics" holds
// schema "analytics"), so every check also proves fully qualified names.
class DuckDBKilledRuns : public ::testing::Test {
 protected:
  TempDir dir;
  std::string db = (dir / "analytics.duckdb").string();

  template <class Manager = s::DuckDBIOManager>
  s::RunResult run(int64_t rows) {
    auto events = s::asset(s::AssetKey("analytics/events"), [rows] { return rows_for(1, 0, rows); });
    s::Definitions defs({.assets = {events}, .resources = {{"io_manager", Manager({.database = db})}}});
    return s::materialize(defs, s::AssetSelection::all(), {.instance = s::Instance::open(dir / "home")});
  }
  std::string rows() { return query_in_other_process(db, "SELECT count(*) FROM analytics.analytics.events"); }
  std::string strata_objects() {
    return query_in_other_process(db,
                                  "SELECT (SELECT count(*) FROM duckdb_views() WHERE NOT internal) + (SELECT count(*) "
                                  "FROM duckdb_tables() WHERE starts_with(table_name, '__strata'))");
  }
  std::string latest_run() {
    auto latest = s::Instance::open(dir / "home")->storage().latest_materialization(s::AssetKey("analytics/events"));
    return latest ? latest->event.run_id : "";
  }
};

TEST_F(DuckDBKilledRuns, ARunKilledBeforeItsRecordNeverChangesTheTable) {
  auto first = run(3);
  ASSERT_TRUE(first.success()) << first.failure_message();
  ASSERT_EQ(s::testing::in_forked_child([&] { run<DiesAfterStaging>(7); }), SIGKILL);
  EXPECT_EQ(rows(), "3\n");
  EXPECT_EQ(latest_run(), first.run_id());
  auto next = run(5);  // opening the database drops what the dead run staged
  ASSERT_TRUE(next.success()) << next.failure_message();
  EXPECT_EQ(rows(), "5\n");
  EXPECT_EQ(strata_objects(), "0\n");
}

TEST_F(DuckDBKilledRuns, ARecordedWriteOfAKilledRunIsAppliedByTheNextManager) {
  ASSERT_TRUE(run(3).success());
  ASSERT_EQ(s::testing::in_forked_child([&] { run<DiesBeforePublishing>(7); }), SIGKILL);
  EXPECT_EQ(rows(), "3\n");  // staged, not applied yet
  std::string recorded = latest_run();
  // The next run that opens the database completes the recorded write before anything reads it.
  auto reader = s::asset(
      "reader",
      {.ins = {s::AssetIn{.name = "events", .key = s::AssetKey("analytics/events")}}, .io_manager_key = "memory"},
      [](const s::ArrowTable& events) { return events->num_rows(); });
  auto events = s::asset(s::AssetKey("analytics/events"), [] { return rows_for(1, 0, 1); });
  s::Definitions defs(
      {.assets = {events, reader},
       .resources = {{"io_manager", s::DuckDBIOManager({.database = db})}, {"memory", s::InMemoryIOManager()}}});
  auto result =
      s::materialize(defs, s::AssetSelection::keys({"reader"}), {.instance = s::Instance::open(dir / "home")});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<int64_t>("reader"), 7);
  EXPECT_EQ(latest_run(), recorded);
  EXPECT_EQ(rows(), "7\n");
  EXPECT_EQ(strata_objects(), "0\n");
}

// Regression (issue 12, bug 1): independent assets stored by one DuckDB manager at the default
// concurrency failed most runs ("cannot start a transaction within a transaction") and left
// __strata_incoming_N views in the user's file. 8 concurrent writers x 50 runs, each run writing a
// new generation of every table: all succeed, each table holds exactly its last generation, and
// nothing of Strata's is left in the file.
TEST(DuckDBIOManager, EightConcurrentWritersFiftyRunsAllSucceed) {
  constexpr int kWriters = 8;
  constexpr int kRuns = 50;
  TempDir dir;
  std::string db = (dir / "analytics.duckdb").string();
  auto generation = std::make_shared<std::atomic<int64_t>>(0);
  std::vector<s::AssetsDefinition> assets;
  for (int i = 0; i < kWriters; ++i) {
    assets.push_back(s::asset(s::AssetKey({"s" + std::to_string(i), "t"}),
                              [i, generation] { return rows_for(1, generation->load() * 100, 10 + i); }));
  }
  s::Definitions defs({.assets = assets, .resources = {{"io_manager", s::DuckDBIOManager({.database = db})}}});
  auto instance = s::Instance::open(dir / "home");
  for (int run = 0; run < kRuns; ++run) {
    generation->store(run);
    auto result = s::materialize(defs, s::AssetSelection::all(), {.instance = instance, .max_concurrency = kWriters});
    ASSERT_TRUE(result.success()) << "run " << run << ": " << result.failure_message();
  }
  std::string expected;
  for (int i = 0; i < kWriters; ++i) {
    expected += std::to_string(10 + i) + "," + std::to_string((kRuns - 1) * 100) + "\n";
  }
  std::string sql;
  for (int i = 0; i < kWriters; ++i) {
    sql += (sql.empty() ? "" : " UNION ALL ") + std::string("SELECT ") + std::to_string(i) +
           " AS n, count(*) || ',' || min(id) AS v FROM s" + std::to_string(i) + ".t";
  }
  EXPECT_EQ(query_in_other_process(db, "SELECT v FROM (" + sql + ") ORDER BY n"), expected);
  EXPECT_EQ(query_in_other_process(db, "SELECT count(*) FROM duckdb_views() WHERE NOT internal"), "0\n");
  EXPECT_EQ(query_in_other_process(db, "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '__strata%'"),
            "0\n");
}

}  // namespace
