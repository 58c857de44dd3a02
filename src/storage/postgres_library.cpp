#include "postgres_library.hpp"

namespace strata::postgres_api {

const Library& library() {
  return loaded_functions<Library>(
      {"libpq.so.5"}, "libpq for the PostgreSQL instance storage",
      [](const SharedLibrary& library, Library& table) { STRATA_LIBPQ_FUNCTIONS(STRATA_RESOLVE_FUNCTION) });
}

}  // namespace strata::postgres_api
