#include "duckdb_library.hpp"

#include "strata/core/util/shared_library.hpp"

namespace strata::duckdb_api {

const Library& library() {
  return loaded_functions<Library>(
      {STRATA_DUCKDB_LIBRARY, "libduckdb.so"}, "the DuckDB library",
      [](const SharedLibrary& library, Library& table) { STRATA_DUCKDB_FUNCTIONS(STRATA_RESOLVE_FUNCTION) });
}

}  // namespace strata::duckdb_api
