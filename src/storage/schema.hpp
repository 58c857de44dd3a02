// The instance schema (version Storage::kSchemaVersion), written once for both SQL dialects.
#pragma once

#include <vector>

namespace strata::storage_detail {

enum class Dialect { kSqlite, kPostgres };

// CREATE statements for a version-1 database, in order (run inside the caller's transaction).
std::vector<const char*> schema_statements(Dialect dialect);

// The statements that take a database from version `from` to `from + 1` (same dialect in both:
// plain SQL both SQLite and PostgreSQL accept). Applied in order by the backends when they open an
// older database, inside one transaction with the version update.
std::vector<const char*> migration_statements(int from);

}  // namespace strata::storage_detail
