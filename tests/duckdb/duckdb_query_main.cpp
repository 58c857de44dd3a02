// strata_duckdb_query <database> <sql>: opens a DuckDB file read-only in its own process and prints
// the first column of every result row, one per line (the interop tests' "other process").
#include <duckdb.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: strata_duckdb_query <database> <sql>\n");
    return 2;
  }
  duckdb_config config = nullptr;
  duckdb_create_config(&config);
  duckdb_set_config(config, "access_mode", "READ_ONLY");
  duckdb_database db = nullptr;
  char* error = nullptr;
  if (duckdb_open_ext(argv[1], &db, config, &error) != DuckDBSuccess) {
    std::fprintf(stderr, "cannot open %s: %s\n", argv[1], error ? error : "?");
    return 1;
  }
  duckdb_destroy_config(&config);
  duckdb_connection con = nullptr;
  duckdb_connect(db, &con);
  duckdb_result result;
  if (duckdb_query(con, argv[2], &result) != DuckDBSuccess) {
    std::fprintf(stderr, "query failed: %s\n", duckdb_result_error(&result));
    return 1;
  }
  for (idx_t row = 0; row < duckdb_row_count(&result); ++row) {
    char* value = duckdb_value_varchar(&result, 0, row);
    std::printf("%s\n", value ? value : "NULL");
    duckdb_free(value);
  }
  duckdb_destroy_result(&result);
  duckdb_disconnect(&con);
  duckdb_close(&db);
  return 0;
}
