// Table I/O managers on Arrow: Parquet, CSV and Arrow IPC files on the local filesystem, partitions,
// column selection, bad input, and files other tools read (pyarrow, DuckDB).
#include <duckdb.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <strata/arrow/file_formats.hpp>
#include <strata/strata.hpp>

#include "expect_error.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace s = strata;
namespace fs = std::filesystem;
using strata::testing::error_of;
using strata::testing::TempDir;

namespace {

s::ArrowTable stories(int64_t first, int64_t rows, bool with_score = true) {
  arrow::Int64Builder ids;
  arrow::StringBuilder titles;
  arrow::DoubleBuilder scores;
  for (int64_t i = first; i < first + rows; ++i) {
    EXPECT_TRUE(ids.Append(i).ok());
    EXPECT_TRUE(titles.Append("Story number " + std::to_string(i)).ok());
    EXPECT_TRUE(scores.Append(static_cast<double>(i) / 2).ok());
  }
  std::vector<std::shared_ptr<arrow::Field>> fields = {arrow::field("id", arrow::int64()), arrow::field("title", arrow::utf8())};
  std::vector<std::shared_ptr<arrow::Array>> columns = {ids.Finish().ValueOrDie(), titles.Finish().ValueOrDie()};
  if (with_score) {
    fields.push_back(arrow::field("score", arrow::float64()));
    columns.push_back(scores.Finish().ValueOrDie());
  }
  return arrow::Table::Make(arrow::schema(fields), columns);
}

int64_t rows_of(const s::ArrowTable& table) { return table->num_rows(); }

TEST(TableIOManagers, ParquetRoundTripWithMetadata) {
  TempDir dir;
  auto topstories = s::asset("topstories", {.key_prefix = {"hackernews"}}, [] { return stories(0, 100); });
  auto count = s::asset("count", {.ins = {s::AssetIn{.name = "t", .key = s::AssetKey("hackernews/topstories")}},
                                  .io_manager_key = "memory"},
                        [](const s::ArrowTable& t) { return rows_of(t); });
  auto result = s::materialize({topstories, count},
                               {.resources = {{"io_manager", s::ParquetIOManager({.base_uri = dir.path().string()})},
                                              {"memory", s::InMemoryIOManager()}}});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<int64_t>("count"), 100);
  fs::path file = dir / "hackernews" / "topstories.parquet";
  EXPECT_TRUE(fs::exists(file));
  auto m = result.materialization("hackernews/topstories").metadata;
  EXPECT_EQ(m.at("num_rows").as_int(), 100);
  EXPECT_EQ(m.at("uri").as_text(), file.string());
  ASSERT_EQ(m.at("schema").as_table_schema().size(), 3u);
  EXPECT_EQ(m.at("schema").as_table_schema()[1].name, "title");
  EXPECT_EQ(m.at("schema").as_table_schema()[1].type, "string");
  EXPECT_NE(m.at("preview").as_text().find("| 0 | Story number 0 | 0 |"), std::string::npos) << m.at("preview").as_text();
  EXPECT_EQ(m.at(s::kMetadataBytesWritten).as_int(), static_cast<int64_t>(fs::file_size(file)));
}

TEST(TableIOManagers, EveryFormatRoundTrips) {
  TempDir dir;
  auto table = stories(0, 50);
  for (int format = 0; format < 3; ++format) {
    std::shared_ptr<s::ArrowPathIOManager> manager;
    if (format == 0) manager = std::make_shared<s::ParquetIOManager>(s::ArrowPathOptions{.base_uri = dir.path().string()});
    if (format == 1) manager = std::make_shared<s::CsvIOManager>(s::ArrowPathOptions{.base_uri = dir.path().string()});
    if (format == 2) manager = std::make_shared<s::FeatherIOManager>(s::ArrowPathOptions{.base_uri = dir.path().string()});
    auto out = s::build_output_context({.asset_key = s::AssetKey("t"), .type = &s::type_of<s::ArrowTable>()});
    manager->handle_output(out, s::Value::of(table));
    auto in = s::build_input_context({.asset_key = s::AssetKey("t"), .type = &s::type_of<s::ArrowTable>()});
    auto back = manager->load_input(in).get<s::ArrowTable>();
    EXPECT_TRUE(back->Equals(*table)) << format << ": " << back->schema()->ToString();
  }
  EXPECT_TRUE(fs::exists(dir / "t.parquet"));
  EXPECT_TRUE(fs::exists(dir / "t.csv"));
  EXPECT_TRUE(fs::exists(dir / "t.arrow"));
}

TEST(TableIOManagers, PartitionsAreFilesAndLoadAsMapOrConcatenated) {
  TempDir dir;
  auto days = s::daily_partitions("2024-01-01", {.end = "2024-01-04"});
  auto events = s::asset("events", {.partitions = days}, [](s::AssetContext& ctx) {
    return stories(std::stoi(ctx.partition_key().substr(8, 2)) * 100, 10);
  });
  auto by_day = s::asset("by_day", {.ins = {"events"}, .io_manager_key = "memory"},
                         [](const std::map<std::string, s::ArrowTable>& days_map) {
                           std::string out;
                           for (const auto& [day, table] : days_map) out += day + "=" + std::to_string(table->num_rows()) + " ";
                           return out;
                         });
  auto all_rows = s::asset("all_rows", {.ins = {"events"}, .io_manager_key = "memory"},
                           [](const s::ArrowTable& table) { return table->num_rows(); });
  s::Definitions defs({.assets = {events, by_day, all_rows},
                       .resources = {{"io_manager", s::ParquetIOManager({.base_uri = dir.path().string()})},
                                     {"memory", s::InMemoryIOManager()}}});
  for (const char* day : {"2024-01-01", "2024-01-02", "2024-01-03"}) {
    ASSERT_TRUE(s::materialize(defs, s::AssetSelection::keys({"events"}), {.partition_keys = {day}}).success());
  }
  EXPECT_TRUE(fs::exists(dir / "events" / "2024-01-02.parquet"));
  auto result = s::materialize(defs, s::AssetSelection::keys({"by_day", "all_rows"}));
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<std::string>("by_day"), "2024-01-01=10 2024-01-02=10 2024-01-03=10 ");
  EXPECT_EQ(result.asset_value<int64_t>("all_rows"), 30);
}

TEST(TableIOManagers, SchemaChangeBetweenPartitionsNamesTheColumns) {
  TempDir dir;
  auto regions = s::static_partitions({"us", "eu"});
  auto sales = s::asset("sales", {.partitions = regions},
                        [](s::AssetContext& ctx) { return stories(0, 5, ctx.partition_key() == "us"); });
  auto total = s::asset("total", {.ins = {"sales"}, .io_manager_key = "memory"},
                        [](const s::ArrowTable& table) { return table->num_rows(); });
  s::Definitions defs({.assets = {sales, total},
                       .resources = {{"io_manager", s::ParquetIOManager({.base_uri = dir.path().string()})},
                                     {"memory", s::InMemoryIOManager()}}});
  for (const char* region : {"us", "eu"}) {
    ASSERT_TRUE(s::materialize(defs, s::AssetSelection::keys({"sales"}), {.partition_keys = {region}}).success());
  }
  auto result = s::materialize(defs, s::AssetSelection::keys({"total"}));
  ASSERT_FALSE(result.success());
  EXPECT_NE(result.step("total").error_message.find("asset 'sales': partition 'eu' has a different schema than 'us' "
                                                    "(score: double vs missing)"),
            std::string::npos)
      << result.step("total").error_message;
}

TEST(TableIOManagers, ParquetLoadsOnlyTheColumnsAnInputAsksFor) {
  TempDir dir;
  auto table = stories(0, 20);
  s::ParquetIOManager manager({.base_uri = dir.path().string()});
  auto out = s::build_output_context({.asset_key = s::AssetKey("t"), .type = &s::type_of<s::ArrowTable>()});
  manager.handle_output(out, s::Value::of(table));
  auto in = s::build_input_context({.asset_key = s::AssetKey("t"), .name = "t",
                                    .metadata = {{"columns", std::vector<std::string>{"title", "id"}}},
                                    .type = &s::type_of<s::ArrowTable>()});
  auto back = manager.load_input(in).get<s::ArrowTable>();
  EXPECT_EQ(back->schema()->field_names(), (std::vector<std::string>{"title", "id"}));  // in the order asked
  auto bad = s::build_input_context({.asset_key = s::AssetKey("t"), .name = "t",
                                     .metadata = {{"columns", std::vector<std::string>{"nope"}}},
                                     .type = &s::type_of<s::ArrowTable>()});
  EXPECT_NE(error_of([&] { manager.load_input(bad); }).find("asks for column 'nope'"), std::string::npos);
}

TEST(TableIOManagers, BadInputIsNamed) {
  TempDir dir;
  // A non-table output bound to a table manager fails when Definitions are built.
  auto ids = s::asset("ids", [] { return std::vector<int>{1, 2}; });
  std::string message = error_of(
      [&] { s::Definitions({.assets = {ids}, .resources = {{"io_manager", s::ParquetIOManager({.base_uri = "/tmp"})}}}); });
  EXPECT_NE(message.find("asset 'ids'"), std::string::npos) << message;
  EXPECT_NE(message.find("cannot store values of type std::vector<int>"), std::string::npos) << message;
  // A missing object names the asset and where it was looked for.
  s::ParquetIOManager manager({.base_uri = dir.path().string()});
  auto in = s::build_input_context({.asset_key = s::AssetKey("never"), .type = &s::type_of<s::ArrowTable>()});
  message = error_of([&] { manager.load_input(in); });
  EXPECT_NE(message.find("asset 'never': no object at " + (dir / "never.parquet").string()), std::string::npos) << message;
  EXPECT_NE(error_of([] { s::Definitions({.resources = {{"pq", s::ParquetIOManager({}, {.compression = "zip"})}}}); })
                .find("unknown codec 'zip'"),
            std::string::npos);
}

TEST(TableIOManagers, ParquetIsReadByPyarrowAndDuckDB) {
  TempDir dir;
  auto table = stories(0, 1000);
  s::ParquetIOManager manager({.base_uri = dir.path().string()});
  auto out = s::build_output_context({.asset_key = s::AssetKey("stories"), .type = &s::type_of<s::ArrowTable>()});
  manager.handle_output(out, s::Value::of(table));
  std::string path = (dir / "stories.parquet").string();

  // pyarrow (the project venv) in another process.
  std::string python = std::string(STRATA_SOURCE_DIR) + "/.venv/bin/python";
  auto py = s::testing::run_command(
      {python, "-c",
       "import sys, pyarrow.parquet as pq\n"
       "t = pq.read_table(sys.argv[1])\n"
       "print(t.num_rows, ','.join(t.column_names), sum(t.column('id').to_pylist()), t.column('title')[999])",
       path});
  ASSERT_EQ(py.exit_code, 0) << py.output;
  EXPECT_EQ(py.output, "1000 id,title,score 499500 Story number 999\n");

  // DuckDB reads the same file.
  duckdb_database db = nullptr;
  duckdb_connection con = nullptr;
  ASSERT_EQ(duckdb_open(nullptr, &db), DuckDBSuccess);
  ASSERT_EQ(duckdb_connect(db, &con), DuckDBSuccess);
  duckdb_result result;
  std::string sql = "SELECT count(*), sum(id), max(title) FROM read_parquet('" + path + "')";
  ASSERT_EQ(duckdb_query(con, sql.c_str(), &result), DuckDBSuccess);
  EXPECT_EQ(duckdb_value_int64(&result, 0, 0), 1000);
  EXPECT_EQ(duckdb_value_int64(&result, 1, 0), 499500);
  char* max_title = duckdb_value_varchar(&result, 2, 0);
  EXPECT_STREQ(max_title, "Story number 999");
  duckdb_free(max_title);
  duckdb_destroy_result(&result);
  duckdb_disconnect(&con);
  duckdb_close(&db);
}

}  // namespace
