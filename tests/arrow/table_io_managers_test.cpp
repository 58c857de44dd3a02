// Table I/O managers on Arrow: Parquet, CSV and Arrow IPC files on the local filesystem, partitions,
// column selection, bad input, and files other tools read (pyarrow, DuckDB).
#include <arrow/filesystem/s3fs.h>
#include <duckdb.h>
#include <gtest/gtest.h>
#include <parquet/file_reader.h>

#include <filesystem>
#include <strata/arrow/file_formats.hpp>
#include <strata/strata.hpp>

#include "expect_error.hpp"
#include "minio_server.hpp"
#include "service_unavailable.hpp"
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
  std::vector<std::shared_ptr<arrow::Field>> fields = {arrow::field("id", arrow::int64()),
                                                       arrow::field("title", arrow::utf8())};
  std::vector<std::shared_ptr<arrow::Array>> columns = {ids.Finish().ValueOrDie(), titles.Finish().ValueOrDie()};
  if (with_score) {
    fields.push_back(arrow::field("score", arrow::float64()));
    columns.push_back(scores.Finish().ValueOrDie());
  }
  return arrow::Table::Make(arrow::schema(fields), columns);
}

int64_t rows_of(const s::ArrowTable& table) { return table->num_rows(); }

// The shared MinIO server of this test process (null when MinIO is not installed).
s::testing::MinioServer* minio() {
  static std::unique_ptr<s::testing::MinioServer> server = []() -> std::unique_ptr<s::testing::MinioServer> {
    if (s::testing::MinioServer::find_binary().empty()) return nullptr;
    return std::make_unique<s::testing::MinioServer>();
  }();
  return server.get();
}

// The same tests on a local directory ("file") and on a bucket of a real S3 server ("s3").
class TableStores : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "s3") {
      if (minio() == nullptr) STRATA_SERVICE_UNAVAILABLE("MinIO is not installed (scripts/setup.sh builds it with Go)");
      auto options = arrow::fs::S3Options::FromAccessKey(minio()->access_key(), minio()->secret_key());
      options.endpoint_override = minio()->endpoint();
      options.scheme = "http";
      options.allow_bucket_creation = true;
      s::ensure_s3_initialized();
      auto s3 = arrow::fs::S3FileSystem::Make(options);
      ASSERT_TRUE(s3.ok()) << s3.status().ToString();
      auto created = (*s3)->CreateDir("strata-test");
      ASSERT_TRUE(created.ok()) << created.ToString();
    }
  }

  s::ArrowPathOptions path_options() const {
    if (GetParam() == "file") return {.base_uri = "file://" + dir.path().string()};  // a file:// URI
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return {.base_uri = std::string("s3://strata-test/") + info->name(),
            .s3_endpoint = minio()->endpoint(),
            .s3_scheme = "http",
            .s3_access_key = minio()->access_key(),
            .s3_secret_key = minio()->secret_key()};
  }

  TempDir dir;
};

TEST_P(TableStores, ParquetRoundTripWithMetadata) {
  auto topstories = s::asset("topstories", {.key_prefix = {"hackernews"}}, [] { return stories(0, 100); });
  auto count = s::asset(
      "count",
      {.ins = {s::AssetIn{.name = "t", .key = s::AssetKey("hackernews/topstories")}}, .io_manager_key = "memory"},
      [](const s::ArrowTable& t) { return rows_of(t); });
  auto result = s::materialize({topstories, count}, {.resources = {{"io_manager", s::ParquetIOManager(path_options())},
                                                                   {"memory", s::InMemoryIOManager()}}});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<int64_t>("count"), 100);
  s::ParquetIOManager manager(path_options());
  EXPECT_TRUE(manager.exists(s::AssetKey("hackernews/topstories")));
  auto m = result.materialization("hackernews/topstories").metadata;
  EXPECT_EQ(m.at("num_rows").as_int(), 100);
  EXPECT_EQ(m.at("uri").as_text(), manager.uri_for(manager.path_for(s::AssetKey("hackernews/topstories"), nullptr)));
  EXPECT_EQ(m.at("uri").as_text().rfind(GetParam() == "s3" ? "s3://strata-test/" : "/", 0), 0u)
      << m.at("uri").as_text();
  ASSERT_EQ(m.at("schema").as_table_schema().size(), 3u);
  EXPECT_EQ(m.at("schema").as_table_schema()[1].name, "title");
  EXPECT_EQ(m.at("schema").as_table_schema()[1].type, "string");
  EXPECT_NE(m.at("preview").as_text().find("| 0 | Story number 0 | 0 |"), std::string::npos)
      << m.at("preview").as_text();
  EXPECT_GT(m.at(s::kMetadataBytesWritten).as_int(), 1000);
}

TEST_P(TableStores, EveryFormatRoundTrips) {
  auto table = stories(0, 50);
  std::vector<std::shared_ptr<s::ArrowPathIOManager>> managers = {
      std::make_shared<s::ParquetIOManager>(path_options()), std::make_shared<s::CsvIOManager>(path_options()),
      std::make_shared<s::FeatherIOManager>(path_options())};
  for (size_t format = 0; format < managers.size(); ++format) {
    auto& manager = managers[format];
    auto out = s::build_output_context({.asset_key = s::AssetKey("t"), .type = &s::type_of<s::ArrowTable>()});
    manager->handle_output(out, s::Value::of(table));
    auto in = s::build_input_context({.asset_key = s::AssetKey("t"), .type = &s::type_of<s::ArrowTable>()});
    auto back = manager->load_input(in).get<s::ArrowTable>();
    EXPECT_TRUE(back->Equals(*table)) << format << ": " << back->schema()->ToString();
    EXPECT_TRUE(manager->exists(s::AssetKey("t")));
    EXPECT_NE(manager->path_for(s::AssetKey("t"), nullptr)
                  .find(format == 0   ? "t.parquet"
                        : format == 1 ? "t.csv"
                                      : "t.arrow"),
              std::string::npos);
  }
}

TEST_P(TableStores, PartitionsAreFilesAndLoadAsMapOrConcatenated) {
  auto days = s::daily_partitions("2024-01-01", {.end = "2024-01-04"});
  auto events = s::asset("events", {.partitions = days}, [](s::AssetContext& ctx) {
    return stories(std::stoi(ctx.partition_key().substr(8, 2)) * 100, 10);
  });
  auto by_day = s::asset("by_day", {.ins = {"events"}, .io_manager_key = "memory"},
                         [](const std::map<std::string, s::ArrowTable>& days_map) {
                           std::string out;
                           for (const auto& [day, table] : days_map)
                             out += day + "=" + std::to_string(table->num_rows()) + " ";
                           return out;
                         });
  auto all_rows = s::asset("all_rows", {.ins = {"events"}, .io_manager_key = "memory"},
                           [](const s::ArrowTable& table) { return table->num_rows(); });
  s::Definitions defs(
      {.assets = {events, by_day, all_rows},
       .resources = {{"io_manager", s::ParquetIOManager(path_options())}, {"memory", s::InMemoryIOManager()}}});
  for (const char* day : {"2024-01-01", "2024-01-02", "2024-01-03"}) {
    ASSERT_TRUE(s::materialize(defs, s::AssetSelection::keys({"events"}), {.partition_keys = {day}}).success());
  }
  s::ParquetIOManager manager(path_options());
  std::string day = "2024-01-02";
  EXPECT_TRUE(manager.exists(s::AssetKey("events"), &day));
  EXPECT_NE(manager.path_for(s::AssetKey("events"), &day).find("/events/2024-01-02.parquet"), std::string::npos);
  auto result = s::materialize(defs, s::AssetSelection::keys({"by_day", "all_rows"}));
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<std::string>("by_day"), "2024-01-01=10 2024-01-02=10 2024-01-03=10 ");
  EXPECT_EQ(result.asset_value<int64_t>("all_rows"), 30);
}

TEST_P(TableStores, SingleRunBackfillWritesOneParquetFilePerPartition) {
  TempDir home;
  auto instance = s::Instance::open(home.path());  // recorded runs: each partition staged, then published
  auto days = s::daily_partitions("2024-01-01", {.end = "2024-01-08"});
  auto events = s::asset("events", {.partitions = days, .backfill_policy = s::BackfillPolicy::single_run()},
                         [](s::AssetContext& ctx) {
                           s::PerPartition<s::ArrowTable> tables;
                           for (const auto& day : ctx.asset_partition_keys()) {
                             tables[day] = stories(std::stoi(day.substr(8, 2)) * 100, 10);
                           }
                           return tables;
                         });
  auto first_ids = s::asset("first_ids", {.ins = {"events"}, .io_manager_key = "memory"},
                            [](const std::map<std::string, s::ArrowTable>& by_day) {
                              std::vector<int64_t> ids;
                              for (const auto& [_, table] : by_day) {
                                auto column = std::static_pointer_cast<arrow::Int64Array>(table->column(0)->chunk(0));
                                ids.push_back(column->Value(0));
                              }
                              return ids;
                            });
  s::Definitions defs(
      {.assets = {events, first_ids},
       .resources = {{"io_manager", s::ParquetIOManager(path_options())}, {"memory", s::InMemoryIOManager()}}});
  auto plan = s::plan_backfill_range(defs, s::AssetSelection::keys({"events"}), "2024-01-01", "2024-01-07");
  ASSERT_EQ(plan.runs.size(), 1u);
  auto backfill = s::launch_backfill(defs, plan, {.instance = instance});
  ASSERT_TRUE(backfill.success()) << backfill.runs.front().failure_message();
  s::ParquetIOManager manager(path_options());
  for (int day = 1; day <= 7; ++day) {
    std::string key = "2024-01-0" + std::to_string(day);
    EXPECT_TRUE(manager.exists(s::AssetKey("events"), &key)) << key;
  }
  EXPECT_EQ(backfill.runs.front().materializations().size(), 7u);
  auto read = s::materialize(defs, s::AssetSelection::keys({"first_ids"}), {.instance = instance});
  ASSERT_TRUE(read.success()) << read.failure_message();
  EXPECT_EQ(read.asset_value<std::vector<int64_t>>("first_ids"),
            (std::vector<int64_t>{100, 200, 300, 400, 500, 600, 700}));
}

TEST_P(TableStores, SchemaChangeBetweenPartitionsNamesTheColumns) {
  auto regions = s::static_partitions({"us", "eu"});
  auto sales = s::asset("sales", {.partitions = regions},
                        [](s::AssetContext& ctx) { return stories(0, 5, ctx.partition_key() == "us"); });
  auto total = s::asset("total", {.ins = {"sales"}, .io_manager_key = "memory"},
                        [](const s::ArrowTable& table) { return table->num_rows(); });
  s::Definitions defs(
      {.assets = {sales, total},
       .resources = {{"io_manager", s::ParquetIOManager(path_options())}, {"memory", s::InMemoryIOManager()}}});
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
  auto in = s::build_input_context({.asset_key = s::AssetKey("t"),
                                    .name = "t",
                                    .metadata = {{"columns", std::vector<std::string>{"title", "id"}}},
                                    .type = &s::type_of<s::ArrowTable>()});
  auto back = manager.load_input(in).get<s::ArrowTable>();
  EXPECT_EQ(back->schema()->field_names(), (std::vector<std::string>{"title", "id"}));  // in the order asked
  auto bad = s::build_input_context({.asset_key = s::AssetKey("t"),
                                     .name = "t",
                                     .metadata = {{"columns", std::vector<std::string>{"nope"}}},
                                     .type = &s::type_of<s::ArrowTable>()});
  EXPECT_NE(error_of([&] { manager.load_input(bad); }).find("asks for column 'nope'"), std::string::npos);
}

TEST_P(TableStores, MissingObjectNamesAssetAndLocation) {
  s::ParquetIOManager manager(path_options());
  auto in = s::build_input_context({.asset_key = s::AssetKey("never"), .type = &s::type_of<s::ArrowTable>()});
  std::string message = error_of([&] { manager.load_input(in); });
  EXPECT_NE(
      message.find("asset 'never': no object at " + manager.uri_for(manager.path_for(s::AssetKey("never"), nullptr))),
      std::string::npos)
      << message;
}

// In a recorded run a write is staged and becomes what readers load only when published (on S3:
// a staged object moved into place), or is discarded.
TEST_P(TableStores, AStagedWriteChangesNothingUntilPublished) {
  s::ParquetIOManager manager(path_options());
  auto write = [&](int64_t rows, bool deferred) {
    auto out = s::build_output_context({.asset_key = s::AssetKey("events"),
                                        .run_id = "run-" + std::to_string(rows),
                                        .type = &s::type_of<s::ArrowTable>(),
                                        .publish_deferred = deferred});
    manager.handle_output(out, s::Value::of(stories(0, rows)));
    return out;
  };
  auto load = [&] {
    auto in = s::build_input_context({.asset_key = s::AssetKey("events"), .type = &s::type_of<s::ArrowTable>()});
    return manager.load_input(in).get<s::ArrowTable>()->num_rows();
  };
  write(10, false);
  auto discarded = write(20, true);
  EXPECT_EQ(load(), 10);
  manager.discard_output(discarded);
  auto published = write(30, true);
  EXPECT_EQ(load(), 10);
  manager.publish_output(published);
  EXPECT_EQ(load(), 30);
}

INSTANTIATE_TEST_SUITE_P(Stores, TableStores, ::testing::Values("file", "s3"),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

TEST(TableIOManagers, RecordBatchStreamsAreWrittenBatchByBatch) {
  TempDir dir;
  auto table = stories(0, 3000);
  s::ParquetIOManager manager({.base_uri = dir.path().string()}, {.row_group_size = 1000});
  auto out = s::build_output_context({.asset_key = s::AssetKey("stream"), .type = &s::type_of<s::ArrowReader>()});
  auto reader = std::make_shared<arrow::TableBatchReader>(table);
  reader->set_chunksize(1000);
  manager.handle_output(out, s::Value::of(s::ArrowReader(reader)));
  EXPECT_EQ(out.output_metadata().at("num_rows").as_int(), 3000);
  auto in = s::build_input_context({.asset_key = s::AssetKey("stream"), .type = &s::type_of<s::ArrowTable>()});
  auto loaded = manager.load_input(in).get<s::ArrowTable>();
  EXPECT_TRUE(loaded->Equals(*table));
  // Three batches of 1,000 rows became three row groups of 1,000 rows: the writer went batch by
  // batch with row groups bounded by the configured size, not one group of the whole stream.
  auto file = parquet::ParquetFileReader::OpenFile((dir / "stream.parquet").string());
  auto metadata = file->metadata();
  ASSERT_EQ(metadata->num_row_groups(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(metadata->RowGroup(i)->num_rows(), 1000) << "row group " << i;
}

// S3 only (a local directory has no server to refuse a request).
TEST(S3Store, ServerErrorsCarryBucketKeyAndMessage) {
  if (minio() == nullptr) STRATA_SERVICE_UNAVAILABLE("MinIO is not installed (scripts/setup.sh builds it with Go)");
  s::ParquetIOManager manager({.base_uri = "s3://strata-missing-bucket/denied-test",
                               .s3_endpoint = minio()->endpoint(),
                               .s3_scheme = "http",
                               .s3_access_key = minio()->access_key(),
                               .s3_secret_key = std::string("wrong-secret")});
  auto out = s::build_output_context({.asset_key = s::AssetKey("denied"), .type = &s::type_of<s::ArrowTable>()});
  std::string message = error_of([&] { manager.handle_output(out, s::Value::of(stories(0, 3))); });
  EXPECT_NE(message.find("asset 'denied'"), std::string::npos) << message;
  EXPECT_NE(message.find("strata-missing-bucket"), std::string::npos) << message;  // the bucket
  EXPECT_NE(message.find("denied-test"), std::string::npos) << message;            // the key
  EXPECT_NE(message.find("AWS Error"), std::string::npos) << message;              // the server's answer
}

TEST(TableIOManagers, BadInputIsNamed) {
  TempDir dir;
  // A non-table output bound to a table manager fails when Definitions are built.
  auto ids = s::asset("ids", [] { return std::vector<int>{1, 2}; });
  std::string message = error_of([&] {
    s::Definitions({.assets = {ids}, .resources = {{"io_manager", s::ParquetIOManager({.base_uri = "/tmp"})}}});
  });
  EXPECT_NE(message.find("asset 'ids'"), std::string::npos) << message;
  EXPECT_NE(message.find("cannot store values of type std::vector<int>"), std::string::npos) << message;
  EXPECT_NE(error_of([] {
              s::Definitions({.resources = {{"pq", s::ParquetIOManager({}, {.compression = "zip"})}}});
            }).find("unknown codec 'zip'"),
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
