// The ADBC I/O manager against a real PostgreSQL (the test server of tests/support, through the
// pinned adbc-driver-postgresql wheel): round trips and types, replace, partitions rewritten in one
// transaction, column selection, failed writes that leave the table as it was, hostile names, and
// errors for a database that cannot be reached. The Snowflake driver is loaded by the same code and
// pointed at a closed loopback port (nothing leaves the machine).
#include <arrow/api.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <fstream>
#include <strata/adbc/adbc_io_manager.hpp>
#include <strata/adbc/connection.hpp>
#include <strata/strata.hpp>

#include "backend_fixture.hpp"
#include "expect_error.hpp"
#include "free_port.hpp"
#include "service_unavailable.hpp"
#include "subprocess.hpp"

namespace s = strata;

namespace {

class AdbcPostgres : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      if (s::testing::shared_postgres() == nullptr) {
        STRATA_SERVICE_UNAVAILABLE("PostgreSQL server binaries are not installed");
      }
      db_ = s::testing::new_postgres_database();
    } catch (const std::exception& e) {
      STRATA_SERVICE_UNAVAILABLE(std::string("PostgreSQL could not start: ") + e.what());
    }
    uri_ = "postgresql://" + db_.user + ":" + db_.password + "@" + db_.host + ":" + std::to_string(db_.port) + "/" +
           db_.dbname;
  }

  s::AdbcIOManager manager() const { return s::AdbcIOManager({.driver = "postgresql", .uri = uri_}); }

  // The rows of `sql` run with libpq, one line per row, columns joined by '|' (NULL as "null").
  std::string sql(const std::string& query) const {
    PGconn* con = PQconnectdb(("host=" + db_.host + " port=" + std::to_string(db_.port) + " user=" + db_.user +
                               " password=" + db_.password + " dbname=" + db_.dbname)
                                  .c_str());
    EXPECT_EQ(PQstatus(con), CONNECTION_OK) << PQerrorMessage(con);
    PGresult* result = PQexec(con, query.c_str());
    std::string out;
    if (PQresultStatus(result) == PGRES_TUPLES_OK) {
      for (int row = 0; row < PQntuples(result); ++row) {
        for (int col = 0; col < PQnfields(result); ++col) {
          out += (col ? "|" : "") + std::string(PQgetisnull(result, row, col) ? "null" : PQgetvalue(result, row, col));
        }
        out += "\n";
      }
    } else if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      ADD_FAILURE() << query << ": " << PQerrorMessage(con);
    }
    PQclear(result);
    PQfinish(con);
    return out;
  }

  // Tables other than the asset tables a test expects: whatever Strata might have left behind.
  std::string staging_tables() const {
    return sql("SELECT schemaname || '.' || tablename FROM pg_tables WHERE tablename LIKE '\\_\\_strata%'");
  }

  s::PostgresConnection db_;
  std::string uri_;
};

// (region, id, amount) rows: ids first..first+rows, all in `region`.
s::ArrowTable sales(const std::string& region, int64_t first, int64_t rows) {
  arrow::StringBuilder regions;
  arrow::Int64Builder ids;
  arrow::DoubleBuilder amounts;
  for (int64_t i = first; i < first + rows; ++i) {
    EXPECT_TRUE(regions.Append(region).ok());
    EXPECT_TRUE(ids.Append(i).ok());
    EXPECT_TRUE(amounts.Append(static_cast<double>(i) / 2).ok());
  }
  return arrow::Table::Make(arrow::schema({arrow::field("region", arrow::utf8()), arrow::field("id", arrow::int64()),
                                           arrow::field("amount", arrow::float64())}),
                            {regions.Finish().ValueOrDie(), ids.Finish().ValueOrDie(), amounts.Finish().ValueOrDie()});
}

template <class Builder, class T>
std::shared_ptr<arrow::Array> array_of(Builder builder, const std::vector<std::optional<T>>& values) {
  for (const auto& v : values) EXPECT_TRUE((v ? builder.Append(*v) : builder.AppendNull()).ok());
  return builder.Finish().ValueOrDie();
}

TEST_F(AdbcPostgres, RoundTripKeepsValuesAndTypes) {
  auto ts = arrow::timestamp(arrow::TimeUnit::MICRO);
  auto table = arrow::Table::Make(
      arrow::schema({arrow::field("i", arrow::int64()), arrow::field("small", arrow::int32()),
                     arrow::field("x", arrow::float64()), arrow::field("s", arrow::utf8()),
                     arrow::field("b", arrow::boolean()), arrow::field("t", ts), arrow::field("d", arrow::date32())}),
      {array_of(arrow::Int64Builder(), std::vector<std::optional<int64_t>>{1, std::nullopt, -9'000'000'000}),
       array_of(arrow::Int32Builder(), std::vector<std::optional<int32_t>>{7, 8, std::nullopt}),
       array_of(arrow::DoubleBuilder(), std::vector<std::optional<double>>{0.5, std::nullopt, -1e300}),
       array_of(arrow::StringBuilder(), std::vector<std::optional<std::string>>{"plain", "ünïcødé 'q' \"dq\"", {}}),
       array_of(arrow::BooleanBuilder(), std::vector<std::optional<bool>>{true, false, std::nullopt}),
       array_of(arrow::TimestampBuilder(ts, arrow::default_memory_pool()),
                std::vector<std::optional<int64_t>>{1'704'067'200'000'000, std::nullopt, 0}),
       array_of(arrow::Date32Builder(), std::vector<std::optional<int32_t>>{19723, 0, std::nullopt})});
  auto typed = s::asset("typed", {.key_prefix = {"analytics"}}, [&] { return table; });
  s::ArrowTable loaded;
  auto reader = s::asset(
      "reader", {.ins = {s::AssetIn{.name = "t", .key = s::AssetKey("analytics/typed")}}, .io_manager_key = "memory"},
      [&](const s::ArrowTable& t) {
        loaded = t;
        return t->num_rows();
      });
  s::Definitions defs(
      {.assets = {typed, reader}, .resources = {{"io_manager", manager()}, {"memory", s::InMemoryIOManager()}}});
  auto run = s::materialize(defs, s::AssetSelection::all());
  ASSERT_TRUE(run.success()) << run.failure_message();
  auto metadata = run.materialization("analytics/typed").metadata;
  EXPECT_EQ(metadata.at("table").as_text(), "analytics.typed");
  EXPECT_EQ(metadata.at("num_rows").as_int(), 3);
  ASSERT_TRUE(loaded);
  EXPECT_TRUE(loaded->schema()->Equals(*table->schema())) << loaded->schema()->ToString();
  EXPECT_TRUE(loaded->Equals(*table)) << loaded->ToString();
  EXPECT_EQ(sql("SELECT column_name || ':' || data_type FROM information_schema.columns WHERE table_schema = "
                "'analytics' AND table_name = 'typed' ORDER BY ordinal_position"),
            "i:bigint\nsmall:integer\nx:double precision\ns:text\nb:boolean\nt:timestamp without time zone\nd:date\n");
  EXPECT_EQ(staging_tables(), "");
}

TEST_F(AdbcPostgres, UnpartitionedWriteReplacesTheTable) {
  int64_t rows = 10;
  auto events = s::asset("events", [&] { return sales("us", 0, rows); });
  s::Definitions defs({.assets = {events}, .resources = {{"io_manager", manager()}}});
  ASSERT_TRUE(s::materialize(defs, s::AssetSelection::all()).success());
  EXPECT_EQ(sql("SELECT count(*) FROM public.events"), "10\n");
  rows = 4;
  auto again = s::materialize(defs, s::AssetSelection::all());
  ASSERT_TRUE(again.success()) << again.failure_message();
  EXPECT_EQ(sql("SELECT count(*), max(id) FROM public.events"), "4|3\n");
  EXPECT_EQ(staging_tables(), "");
}

TEST_F(AdbcPostgres, PartitionRowsAreDeletedAndInsertedForTheRunsPartitionsOnly) {
  auto regions = s::static_partitions({"us", "eu", "apac"});
  int64_t rows = 3;
  // One step may cover several partitions (a single-run backfill): its table holds all their rows.
  auto by_region = s::asset("by_region",
                            {.metadata = {{"partition_expr", "region"}},
                             .partitions = regions,
                             .backfill_policy = s::BackfillPolicy::single_run()},
                            [&](s::AssetContext& ctx) {
                              std::vector<s::ArrowTable> parts;
                              for (const auto& key : ctx.asset_partition_keys()) parts.push_back(sales(key, 100, rows));
                              return arrow::ConcatenateTables(parts).ValueOrDie();
                            });
  auto region_rows = s::asset("region_rows", {.ins = {"by_region"}, .io_manager_key = "memory", .partitions = regions},
                              [](const s::ArrowTable& t) { return t->num_rows(); });
  s::Definitions defs({.assets = {by_region, region_rows},
                       .resources = {{"io_manager", manager()}, {"memory", s::InMemoryIOManager()}}});
  for (const char* region : {"us", "eu", "apac"}) {
    auto run = s::materialize(defs, s::AssetSelection::keys({"by_region"}), {.partition_keys = {region}});
    ASSERT_TRUE(run.success()) << run.failure_message();
  }
  rows = 5;  // rewrite two partitions in one step: the third keeps its rows
  auto range = s::materialize(defs, s::AssetSelection::keys({"by_region"}), {.partition_keys = {"us", "eu"}});
  ASSERT_TRUE(range.success()) << range.failure_message();
  EXPECT_EQ(sql("SELECT region || ':' || count(*) FROM public.by_region GROUP BY region ORDER BY region"),
            "apac:3\neu:5\nus:5\n");
  auto loaded = s::materialize(defs, s::AssetSelection::keys({"region_rows"}), {.partition_keys = {"apac"}});
  ASSERT_TRUE(loaded.success()) << loaded.failure_message();
  EXPECT_EQ(loaded.asset_value<int64_t>("region_rows"), 3);
  EXPECT_EQ(staging_tables(), "");
}

TEST_F(AdbcPostgres, TimeWindowPartitionsAreMatchedByWindow) {
  auto days = s::daily_partitions("2024-01-01", {.end = "2024-01-10"});
  int64_t rows = 2;
  auto daily =
      s::asset("daily", {.metadata = {{"partition_expr", "day"}}, .partitions = days}, [&](s::AssetContext& ctx) {
        int32_t day = 19723 + std::stoi(ctx.partition_key().substr(8, 2)) - 1;  // 2024-01-01 is day 19723
        auto table = sales("us", 0, rows);
        std::vector<std::optional<int32_t>> values(static_cast<size_t>(rows), day);
        return table
            ->AddColumn(0, arrow::field("day", arrow::date32()),
                        std::make_shared<arrow::ChunkedArray>(array_of(arrow::Date32Builder(), values)))
            .ValueOrDie();
      });
  s::Definitions defs({.assets = {daily}, .resources = {{"io_manager", manager()}}});
  for (const char* day : {"2024-01-02", "2024-01-03"}) {
    ASSERT_TRUE(s::materialize(defs, s::AssetSelection::all(), {.partition_keys = {day}}).success());
  }
  rows = 4;
  auto again = s::materialize(defs, s::AssetSelection::all(), {.partition_keys = {"2024-01-03"}});
  ASSERT_TRUE(again.success()) << again.failure_message();
  EXPECT_EQ(sql("SELECT day || ':' || count(*) FROM public.daily GROUP BY day ORDER BY day"),
            "2024-01-02:2\n2024-01-03:4\n");
}

TEST_F(AdbcPostgres, ConcurrentStepsWriteTheirOwnTables) {
  // Eight independent assets in one schema, written by concurrent steps, run after run: each step
  // has its own connection, and the schema is created outside the write transactions.
  std::vector<s::AssetsDefinition> assets;
  for (int i = 0; i < 8; ++i) {
    assets.push_back(s::asset("t" + std::to_string(i), {.key_prefix = {"fresh"}}, [i] { return sales("us", i, 100); }));
  }
  s::Definitions defs({.assets = assets, .resources = {{"io_manager", manager()}}});
  for (int run = 0; run < 5; ++run) {
    sql("DROP SCHEMA IF EXISTS fresh CASCADE");
    auto result = s::materialize(defs, s::AssetSelection::all());
    ASSERT_TRUE(result.success()) << result.failure_message();
    EXPECT_EQ(sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'fresh'"), "8\n");
  }
  EXPECT_EQ(staging_tables(), "");
}

TEST(AdbcDefinitions, ConfigurationIsCheckedWhenDefinitionsAreBuilt) {
  auto events = s::asset("events", [] { return sales("us", 0, 1); });
  auto definitions_with = [&](s::AdbcOptions options) {
    return s::testing::error_of([&] {
      s::Definitions({.assets = {events}, .resources = {{"io_manager", s::AdbcIOManager(std::move(options))}}});
    });
  };
  EXPECT_NE(definitions_with({}).find("field 'driver'"), std::string::npos);
  EXPECT_NE(definitions_with({.driver = "postgresql", .schema = ""}).find("field 'schema'"), std::string::npos);
  EXPECT_NE(definitions_with({.driver = "snowflake", .options = {{"password", "x"}}}).find("use the field 'password'"),
            std::string::npos);
}

TEST(AdbcDefinitions, TwoAssetsOfOneTableAreRefused) {
  auto a = s::asset("t", {.key_prefix = {"public"}}, [] { return sales("us", 0, 1); });
  auto b = s::asset("t", [] { return sales("us", 0, 1); });
  std::string message = s::testing::error_of([&] {
    s::Definitions({.assets = {a, b}, .resources = {{"io_manager", s::AdbcIOManager({.driver = "postgresql"})}}});
  });
  EXPECT_NE(message.find("public.t"), std::string::npos) << message;
}

TEST_F(AdbcPostgres, InputColumnsSelectTheLoadedColumns) {
  auto events = s::asset("events", [] { return sales("us", 0, 4); });
  std::vector<std::string> names;
  auto reader = s::asset("reader",
                         {.ins = {s::AssetIn{.name = "events",
                                             .key = s::AssetKey("events"),
                                             .metadata = {{"columns", std::vector<std::string>{"amount", "id"}}}}},
                          .io_manager_key = "memory"},
                         [&](const s::ArrowTable& t) {
                           names = t->schema()->field_names();
                           return t->num_rows();
                         });
  s::Definitions defs(
      {.assets = {events, reader}, .resources = {{"io_manager", manager()}, {"memory", s::InMemoryIOManager()}}});
  auto run = s::materialize(defs, s::AssetSelection::all());
  ASSERT_TRUE(run.success()) << run.failure_message();
  EXPECT_EQ(names, (std::vector<std::string>{"amount", "id"}));
  EXPECT_EQ(run.asset_value<int64_t>("reader"), 4);
}

TEST_F(AdbcPostgres, FailedWritesLeaveThePreviousTable) {
  // Three ways to fail: after the rows were ingested (a view depends on the table, so it cannot be
  // replaced), during the ingest (a type PostgreSQL cannot hold), and a partition whose columns
  // differ from the table's.
  int mode = 0;
  auto events = s::asset("events", [&]() -> s::ArrowTable {
    if (mode == 2) {
      auto type_ids = array_of(arrow::Int8Builder(), std::vector<std::optional<int8_t>>{0});
      auto values = array_of(arrow::Int64Builder(), std::vector<std::optional<int64_t>>{1});
      std::shared_ptr<arrow::Array> unions = arrow::SparseUnionArray::Make(*type_ids, {values}).ValueOrDie();
      return arrow::Table::Make(arrow::schema({arrow::field("u", unions->type())}), {unions});
    }
    return sales("us", mode * 100, 10 + mode);
  });
  s::Definitions defs({.assets = {events}, .resources = {{"io_manager", manager()}}});
  ASSERT_TRUE(s::materialize(defs, s::AssetSelection::all()).success());
  sql("CREATE VIEW public.events_view AS SELECT id FROM public.events");
  mode = 1;
  auto blocked = s::materialize(defs, s::AssetSelection::all());
  ASSERT_FALSE(blocked.success());
  std::string message = blocked.step("events").error_message;
  EXPECT_NE(message.find("asset 'events': writing table \"public\".\"events\" failed"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(sql("SELECT count(*), min(id) FROM public.events"), "10|0\n");
  EXPECT_EQ(staging_tables(), "");
  sql("DROP VIEW public.events_view");
  mode = 2;
  auto unsupported = s::materialize(defs, s::AssetSelection::all());
  ASSERT_FALSE(unsupported.success());
  EXPECT_EQ(sql("SELECT count(*), min(id) FROM public.events"), "10|0\n");
  EXPECT_EQ(staging_tables(), "");

  auto regions = s::static_partitions({"us", "eu"});
  auto by_region = s::asset("by_region", {.metadata = {{"partition_expr", "region"}}, .partitions = regions},
                            [](s::AssetContext& ctx) -> s::ArrowTable {
                              auto rows = sales(ctx.partition_key(), 0, 2);
                              if (ctx.partition_key() == "eu") return rows->RemoveColumn(2).ValueOrDie();
                              return rows;
                            });
  s::Definitions partitioned({.assets = {by_region}, .resources = {{"io_manager", manager()}}});
  ASSERT_TRUE(s::materialize(partitioned, s::AssetSelection::all(), {.partition_keys = {"us"}}).success());
  auto drift = s::materialize(partitioned, s::AssetSelection::all(), {.partition_keys = {"eu"}});
  ASSERT_FALSE(drift.success());
  EXPECT_NE(drift.step("by_region")
                .error_message.find("the partition's columns (region, id) differ from table "
                                    "\"public\".\"by_region\" (region, id, amount)"),
            std::string::npos)
      << drift.step("by_region").error_message;
  EXPECT_EQ(sql("SELECT region || ':' || count(*) FROM public.by_region GROUP BY region"), "us:2\n");
  EXPECT_EQ(staging_tables(), "");
}

TEST_F(AdbcPostgres, HostileNamesAreQuotedNeverExecuted) {
  sql("CREATE TABLE public.sentinel (x int)");
  std::string schema = "we\"ird'; DROP TABLE public.sentinel; --";
  std::string name = "Ta\"ble'); DROP TABLE public.sentinel; --";
  std::string partition = "it's \"x\" ' OR 1=1; --";
  auto parts = s::static_partitions({partition, "plain"});
  auto hostile =
      s::asset(name, {.key_prefix = {schema}, .metadata = {{"partition_expr", "region"}}, .partitions = parts},
               [](s::AssetContext& ctx) { return sales(ctx.partition_key(), 0, 2); });
  s::Definitions defs({.assets = {hostile}, .resources = {{"io_manager", manager()}}});
  for (const std::string& key : {partition, std::string("plain"), partition}) {
    auto run = s::materialize(defs, s::AssetSelection::all(), {.partition_keys = {key}});
    ASSERT_TRUE(run.success()) << run.failure_message();
  }
  EXPECT_EQ(sql("SELECT count(*) FROM pg_tables WHERE tablename = 'sentinel'"), "1\n");
  std::string quoted_schema = "'we\"ird''; DROP TABLE public.sentinel; --'";
  EXPECT_EQ(sql("SELECT tablename FROM pg_tables WHERE schemaname = " + quoted_schema), name + "\n");
  EXPECT_EQ(sql("SELECT region, count(*) FROM " + s::AdbcIOManager().table_for(s::AssetKey({schema, name})) +
                " GROUP BY region ORDER BY region"),
            partition + "|2\nplain|2\n");
}

TEST_F(AdbcPostgres, UnreachableDatabaseIsOneLineNamingAssetAndDatabase) {
  int port = s::testing::free_loopback_port();  // nothing listens there
  ::setenv("STRATA_TEST_ADBC_URI", ("postgresql://strata:hunter2@127.0.0.1:" + std::to_string(port) + "/x").c_str(), 1);
  for (bool from_env : {false, true}) {
    SCOPED_TRACE(from_env ? "uri from EnvVar" : "literal uri");
    s::Setting<std::string> uri = s::EnvVar{"STRATA_TEST_ADBC_URI"};
    if (!from_env) uri = std::string(std::getenv("STRATA_TEST_ADBC_URI"));
    auto events_in = s::Definitions(
        {.assets = {s::asset("events", {.io_manager_key = "warehouse"}, [] { return sales("us", 0, 1); })},
         .resources = {{"warehouse", s::AdbcIOManager({.driver = "postgresql", .uri = uri})}}});
    auto run = s::materialize(events_in, s::AssetSelection::all());
    ASSERT_FALSE(run.success());
    std::string message = run.step("events").error_message;
    EXPECT_NE(message.find("asset 'events'"), std::string::npos) << message;
    EXPECT_NE(message.find("resource 'warehouse': ADBC postgresql database"), std::string::npos) << message;
    EXPECT_NE(message.find(from_env ? "uri EnvVar(STRATA_TEST_ADBC_URI)" : "127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("Connection refused"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(AdbcDriver, UnknownDriverIsNamed) {
  auto events = s::asset("events", [] { return sales("us", 0, 1); });
  s::Definitions defs(
      {.assets = {events},
       .resources = {{"io_manager", s::AdbcIOManager({.driver = "/nonexistent/libadbc_driver_nope.so"})}}});
  auto run = s::materialize(defs, s::AssetSelection::all());
  ASSERT_FALSE(run.success());
  std::string message = run.step("events").error_message;
  EXPECT_NE(message.find("asset 'events'"), std::string::npos) << message;
  EXPECT_NE(message.find("ADBC driver '/nonexistent/libadbc_driver_nope.so' cannot be loaded"), std::string::npos)
      << message;
}

// Whether `entry` ("NAME=value") was in the environment this process started with.
bool in_startup_environment(const std::string& entry) {
  std::ifstream environ_file("/proc/self/environ", std::ios::binary);
  for (std::string line; std::getline(environ_file, line, '\0');) {
    if (line == entry) return true;
  }
  return false;
}

TEST(AdbcDriver, SnowflakeReachesAConnectionErrorNamingTheAccount) {
  // The Snowflake driver, loaded and configured by the same code, talks to a closed port on
  // 127.0.0.1 over plain HTTP: host, port and protocol are forced, so no name is resolved and
  // nothing leaves the machine (checked with strace -e trace=connect). Both documented ways to give the password:
  // inside the uri (a DSN, from an EnvVar), or as the password field (an EnvVar) beside the options. The driver probes
  // cloud metadata services (169.254.169.254, DNS names) at login to report its platform unless
  // SNOWFLAKE_DISABLE_PLATFORM_DETECTION is set — in the environment the process started with (the Go runtime reads
  // that one, not setenv's). So without it this test runs itself again in a child that has it.
  if (!in_startup_environment("SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true")) {
    auto child = s::testing::run_command(
        {"/proc/self/exe", "--gtest_filter=AdbcDriver.SnowflakeReachesAConnectionErrorNamingTheAccount"},
        {.user = std::nullopt, .extra_env = {"SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true"}});
    EXPECT_EQ(child.exit_code, 0) << child.output;
    EXPECT_NE(child.output.find("[  PASSED  ] 1 test"), std::string::npos) << child.output;
    return;
  }
  int port = s::testing::free_loopback_port();
  std::string at = "127.0.0.1:" + std::to_string(port);
  ::setenv("STRATA_TEST_SNOWFLAKE_URI",
           ("strata_user:not-a-real-password@" + at + "/ANALYTICS?account=strata-test-account&protocol=http").c_str(),
           1);
  ::setenv("STRATA_TEST_SNOWFLAKE_PASSWORD", "not-a-real-password", 1);
  std::map<std::string, std::string> loopback = {{"adbc.snowflake.sql.account", "strata-test-account"},
                                                 {"adbc.snowflake.sql.uri.host", "127.0.0.1"},
                                                 {"adbc.snowflake.sql.uri.port", std::to_string(port)},
                                                 {"adbc.snowflake.sql.uri.protocol", "http"},
                                                 {"adbc.snowflake.sql.db", "ANALYTICS"},
                                                 {"adbc.snowflake.sql.warehouse", "COMPUTE_WH"},
                                                 {"adbc.snowflake.sql.role", "TRANSFORMER"},
                                                 {"adbc.snowflake.sql.client_option.login_timeout", "3s"},
                                                 {"adbc.snowflake.sql.client_option.disable_telemetry", "true"}};
  auto with_user = loopback;
  with_user["username"] = "strata_user";
  std::vector<s::AdbcIOManager> configurations = {
      s::AdbcIOManager({.driver = "snowflake",
                        .uri = s::EnvVar{"STRATA_TEST_SNOWFLAKE_URI"},
                        .options = loopback,
                        .schema = "PUBLIC"}),
      s::AdbcIOManager({.driver = "snowflake",
                        .options = with_user,
                        .password = s::EnvVar{"STRATA_TEST_SNOWFLAKE_PASSWORD"},
                        .schema = "PUBLIC"})};
  // The third: everything from YAML run config, as docs/tables.md shows it.
  std::string yaml = "resources:\n  snowflake:\n    config:\n      options:\n";
  for (const auto& [name, value] : with_user) yaml += "        " + name + ": \"" + value + "\"\n";
  yaml += "      password: {env: STRATA_TEST_SNOWFLAKE_PASSWORD}\n      schema: PUBLIC\n";
  configurations.push_back(s::AdbcIOManager({.driver = "snowflake"}));
  for (size_t i = 0; i < configurations.size(); ++i) {
    SCOPED_TRACE(i == 0 ? "password in the uri" : i == 1 ? "password field" : "run config");
    s::Definitions defs(
        {.assets = {s::asset("events", {.io_manager_key = "snowflake"}, [] { return sales("us", 0, 1); })},
         .resources = {{"snowflake", configurations[i]}}});
    auto run = s::materialize(defs, s::AssetSelection::all(),
                              {.run_config = i == 2 ? s::RunConfig::from_yaml(yaml) : s::RunConfig()});
    ASSERT_FALSE(run.success());
    std::string message = run.step("events").error_message;
    EXPECT_NE(message.find("asset 'events'"), std::string::npos) << message;
    EXPECT_NE(message.find("resource 'snowflake': ADBC snowflake database"), std::string::npos) << message;
    EXPECT_NE(message.find("adbc.snowflake.sql.account=strata-test-account"), std::string::npos) << message;
    EXPECT_NE(message.find("connecting failed"), std::string::npos) << message;
    EXPECT_NE(message.find("http://" + at + "/session/v1/login-request"), std::string::npos) << message;
    EXPECT_NE(message.find("connection refused"), std::string::npos) << message;
    EXPECT_EQ(message.find("not-a-real-password"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(AdbcDriver, QuotingFollowsTheDialect) {
  EXPECT_EQ(s::adbc::quote_identifier("a\"b; --"), "\"a\"\"b; --\"");
  EXPECT_EQ(s::adbc::quote_literal("it's \\", {}), "'it''s \\'");
  EXPECT_EQ(s::adbc::quote_literal("it's \\", {.backslash_escapes = true}), "'it''s \\\\'");
  EXPECT_NE(s::testing::error_of([] { s::adbc::quote_identifier(std::string("a\0b", 3)); }).find("NUL"),
            std::string::npos);
}

}  // namespace
