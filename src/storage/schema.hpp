// The instance schema (version Storage::kSchemaVersion), written once for both SQL dialects.
#pragma once

#include <vector>

namespace strata::storage_detail {

enum class Dialect { kSqlite, kPostgres };

// CREATE statements for a fresh database, in order (run inside the caller's transaction).
std::vector<const char*> schema_statements(Dialect dialect);

}  // namespace strata::storage_detail
