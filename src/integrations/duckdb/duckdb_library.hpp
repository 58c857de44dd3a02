// The DuckDB C API as loaded from libduckdb.so on first use (dlopen) rather than linked: a program
// that never opens a DuckDB database does not pay for loading and relocating the library (tens of
// thousands of relocations, ~6 ms) at start-up (core/util/shared_library.hpp).
#pragma once

#include <duckdb.h>

#include "strata/core/util/shared_library.hpp"

namespace strata::duckdb_api {

// Every DuckDB function Strata calls.
// clang-format off
#define STRATA_DUCKDB_FUNCTIONS(X) \
  X(duckdb_open_ext) \
  X(duckdb_close) \
  X(duckdb_connect) \
  X(duckdb_disconnect) \
  X(duckdb_free) \
  X(duckdb_query) \
  X(duckdb_result_error) \
  X(duckdb_destroy_result) \
  X(duckdb_value_int64) \
  X(duckdb_query_arrow) \
  X(duckdb_query_arrow_error) \
  X(duckdb_destroy_arrow) \
  X(duckdb_query_arrow_schema) \
  X(duckdb_query_arrow_array) \
  X(duckdb_arrow_scan)
// clang-format on

struct Library {
  STRATA_DUCKDB_FUNCTIONS(STRATA_FUNCTION_POINTER)
};

// The library this build was configured with (else libduckdb.so from the loader's path), loaded by
// the first call. Throws StorageError with the loader's messages when it cannot be loaded.
const Library& library();

}  // namespace strata::duckdb_api
