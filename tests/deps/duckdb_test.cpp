// Proves DuckDB (libduckdb from the pinned npm package) works from C++ and exchanges tables with
// Arrow through the C data interface, with no per-value loop.
#include <arrow/api.h>
#include <arrow/c/bridge.h>
#include <duckdb.h>
#include <gtest/gtest.h>

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

// duckdb_arrow_scan (DuckDB 1.4) never releases the schemas it obtains from the stream's
// get_schema. This stream hands out shallow copies of schemas it owns (their release does nothing)
// and frees them itself when destroyed, after DuckDB is done with the view.
class OwningSchemaStream {
 public:
  explicit OwningSchemaStream(std::shared_ptr<arrow::RecordBatchReader> reader) {
    if (!arrow::ExportRecordBatchReader(std::move(reader), &inner_).ok()) throw std::runtime_error("export failed");
    outer_.get_schema = &GetSchema;
    outer_.get_next = [](ArrowArrayStream* s, ArrowArray* out) {
      return self(s)->inner_.get_next(&self(s)->inner_, out);
    };
    outer_.get_last_error = [](ArrowArrayStream* s) { return self(s)->inner_.get_last_error(&self(s)->inner_); };
    outer_.release = [](ArrowArrayStream* s) { s->release = nullptr; };
    outer_.private_data = this;
  }
  ~OwningSchemaStream() {
    for (auto& schema : schemas_) {
      if (schema->release != nullptr) schema->release(schema.get());
    }
    if (inner_.release != nullptr) inner_.release(&inner_);
  }
  ArrowArrayStream* stream() { return &outer_; }

 private:
  static OwningSchemaStream* self(ArrowArrayStream* s) { return static_cast<OwningSchemaStream*>(s->private_data); }
  static int GetSchema(ArrowArrayStream* s, ArrowSchema* out) {
    auto owned = std::make_unique<ArrowSchema>();
    int rc = self(s)->inner_.get_schema(&self(s)->inner_, owned.get());
    if (rc != 0) return rc;
    *out = *owned;
    out->release = [](ArrowSchema* schema) { schema->release = nullptr; };
    self(s)->schemas_.push_back(std::move(owned));
    return 0;
  }

  ArrowArrayStream inner_{};
  ArrowArrayStream outer_{};
  std::vector<std::unique_ptr<ArrowSchema>> schemas_;
};

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

  duckdb_database db = nullptr;
  duckdb_connection con = nullptr;
  ASSERT_EQ(duckdb_open(db_path.c_str(), &db), DuckDBSuccess);
  ASSERT_EQ(duckdb_connect(db, &con), DuckDBSuccess);

  // Arrow -> DuckDB: export the table as an ArrowArrayStream and let DuckDB scan it.
  {
    OwningSchemaStream stream(std::make_shared<arrow::TableBatchReader>(table));
    ASSERT_EQ(duckdb_arrow_scan(con, "incoming", reinterpret_cast<duckdb_arrow_stream>(stream.stream())),
              DuckDBSuccess);
    ASSERT_EQ(duckdb_query(con, "CREATE TABLE stories AS SELECT * FROM incoming", nullptr), DuckDBSuccess);
    ASSERT_EQ(duckdb_query(con, "DROP VIEW incoming", nullptr), DuckDBSuccess);
  }
  duckdb_disconnect(&con);
  duckdb_close(&db);

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
