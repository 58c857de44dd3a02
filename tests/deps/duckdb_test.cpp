// Proves DuckDB (libduckdb from the pinned npm package) works from C++ and exchanges tables with
// Arrow through the C data interface, with no per-value loop.
#include <arrow/api.h>
#include <arrow/c/bridge.h>
#include <duckdb.h>
#include <gtest/gtest.h>

#include "strata/duckdb/connection.hpp"
#include "temp_dir.hpp"

namespace {

std::shared_ptr<arrow::Table> sample_table(int64_t rows) {
  arrow::Int64Builder ids;
  arrow::DoubleBuilder scores;
  arrow::StringBuilder titles;
  for (int64_t i = 0; i < rows; ++i) {
    EXPECT_TRUE(ids.Append(i).ok());
    EXPECT_TRUE(scores.Append(static_cast<double>(i) / 4).ok());
    EXPECT_TRUE(titles.Append("item-" + std::to_string(i)).ok());
  }
  auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("score", arrow::float64()),
                               arrow::field("title", arrow::utf8())});
  return arrow::Table::Make(schema,
                            {ids.Finish().ValueOrDie(), scores.Finish().ValueOrDie(), titles.Finish().ValueOrDie()});
}

// Runs `sql` and returns the result as an Arrow table (DuckDB exports each chunk as Arrow arrays).
std::shared_ptr<arrow::Table> query_arrow(duckdb_connection con, const char* sql) {
  duckdb_arrow result = nullptr;
  if (duckdb_query_arrow(con, sql, &result) != DuckDBSuccess) {
    std::string err = duckdb_query_arrow_error(result);
    duckdb_destroy_arrow(&result);
    ADD_FAILURE() << err;
    return nullptr;
  }
  ArrowSchema c_schema{};
  auto* schema_ptr = &c_schema;
  EXPECT_EQ(duckdb_query_arrow_schema(result, reinterpret_cast<duckdb_arrow_schema*>(&schema_ptr)), DuckDBSuccess);
  auto schema = arrow::ImportSchema(&c_schema).ValueOrDie();
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  for (;;) {
    ArrowArray c_array{};
    auto* array_ptr = &c_array;
    EXPECT_EQ(duckdb_query_arrow_array(result, reinterpret_cast<duckdb_arrow_array*>(&array_ptr)), DuckDBSuccess);
    if (c_array.release == nullptr) break;
    if (c_array.length == 0) {
      c_array.release(&c_array);
      break;
    }
    batches.push_back(arrow::ImportRecordBatch(&c_array, schema).ValueOrDie());
  }
  duckdb_destroy_arrow(&result);
  return arrow::Table::FromRecordBatches(schema, batches).ValueOrDie();
}

TEST(DuckDBDependency, VersionIsPinned) { EXPECT_STREQ(duckdb_library_version(), "v1.4.4"); }

TEST(DuckDBDependency, ArrowTableInThroughCDataInterfaceAndBackOut) {
  strata::testing::TempDir dir;
  std::string db_path = (dir / "analytics.duckdb").string();
  auto table = sample_table(10'000);

  // Arrow -> DuckDB: the table is exported as an ArrowArrayStream that DuckDB scans (through Strata's
  // connection, which works around DuckDB 1.4's unreleased stream schemas).
  {
    strata::DuckDBConnection writer(strata::DuckDBDatabase::open(db_path));
    writer.register_arrow_view("incoming", table);
    writer.execute("CREATE TABLE stories AS SELECT * FROM incoming");
    writer.drop_arrow_view("incoming");
  }
  duckdb_database db = nullptr;
  duckdb_connection con = nullptr;

  // Reopen the file: the table was persisted. DuckDB -> Arrow through the C data interface.
  ASSERT_EQ(duckdb_open(db_path.c_str(), &db), DuckDBSuccess);
  ASSERT_EQ(duckdb_connect(db, &con), DuckDBSuccess);
  auto back = query_arrow(con, "SELECT * FROM stories ORDER BY id");
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->num_rows(), table->num_rows());
  auto combined = back->CombineChunks().ValueOrDie();
  EXPECT_TRUE(combined->Equals(*table->CombineChunks().ValueOrDie())) << combined->schema()->ToString();
  duckdb_disconnect(&con);
  duckdb_close(&db);
}

TEST(DuckDBDependency, ParquetCopyFromSql) {
  strata::testing::TempDir dir;
  duckdb_database db = nullptr;
  duckdb_connection con = nullptr;
  ASSERT_EQ(duckdb_open(nullptr, &db), DuckDBSuccess);
  ASSERT_EQ(duckdb_connect(db, &con), DuckDBSuccess);
  std::string file = (dir / "range.parquet").string();
  std::string copy = "COPY (SELECT range AS n FROM range(1000)) TO '" + file + "' (FORMAT parquet)";
  ASSERT_EQ(duckdb_query(con, copy.c_str(), nullptr), DuckDBSuccess);
  duckdb_result result;
  std::string sum = "SELECT sum(n) FROM read_parquet('" + file + "')";
  ASSERT_EQ(duckdb_query(con, sum.c_str(), &result), DuckDBSuccess);
  EXPECT_EQ(duckdb_value_int64(&result, 0, 0), 499500);
  duckdb_destroy_result(&result);
  duckdb_disconnect(&con);
  duckdb_close(&db);
}

}  // namespace
