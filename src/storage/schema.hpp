// The instance schema (version Storage::kSchemaVersion), written once for both SQL dialects.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "strata/storage/run_record.hpp"

namespace strata::storage_detail {

enum class Dialect { kSqlite, kPostgres };

// The assignment of a run's time column when its status changes to `next`, with the timestamp as
// parameter `time_param` ("?2", "$2"): "end_time=?2" for a finished status, "start_time=?2" for
// STARTED, and one that keeps end_time (but still uses the parameter) for any other status.
std::string run_time_assignment(RunStatus next, const std::string& time_param);

// CREATE statements for a version-1 database, in order (run inside the caller's transaction).
std::vector<std::string> schema_statements(Dialect dialect);

// The statements that take a database from version `from` to `from + 1` (same dialect in both:
// plain SQL both SQLite and PostgreSQL accept). Applied in order by the backends when they open an
// older database, inside one transaction with the version update.
std::vector<const char*> migration_statements(int from);

// Brings a database from `found_version` (0: a fresh database without the version table) to
// Storage::kSchemaVersion with `exec`, inside the caller's transaction. Throws StorageError naming
// `database` when the database is newer than this build (`unchanged` says what was not touched).
void upgrade_schema(Dialect dialect, int64_t found_version, const std::function<void(const std::string&)>& exec,
                    const std::string& database, const std::string& unchanged);

}  // namespace strata::storage_detail
