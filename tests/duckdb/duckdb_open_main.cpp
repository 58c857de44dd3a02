// strata_duckdb_open <database> <lock timeout seconds>: opens a DuckDB file the way Strata's DuckDB
// manager does (waiting for a file another process holds), for tests of that wait. Prints
// "waiting: <message>" when the file is locked, "opened" once it is open, or "error: <message>"
// (exit 1).
#include <cstdio>
#include <cstdlib>
#include <strata/core/util/error.hpp>
#include <strata/duckdb/connection.hpp>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: strata_duckdb_open <database> <lock timeout seconds>\n");
    return 2;
  }
  try {
    auto database = strata::DuckDBDatabase::open(argv[1], std::chrono::seconds(std::atoll(argv[2])),
                                                 [](const std::string& message) {
                                                   std::printf("waiting: %s\n", message.c_str());
                                                   std::fflush(stdout);
                                                 });
    strata::DuckDBConnection(database).execute("CREATE TABLE IF NOT EXISTS opened AS SELECT 1 AS one");
    std::printf("opened\n");
    return 0;
  } catch (const strata::StorageError& e) {
    std::printf("error: %s\n", e.what());
    return 1;
  }
}
