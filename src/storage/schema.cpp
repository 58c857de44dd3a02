#include "schema.hpp"

namespace strata::storage_detail {

std::vector<const char*> schema_statements(Dialect dialect) {
  // Only the event id column differs: SQLite's rowid alias versus a PostgreSQL identity column.
  const char* event_logs =
      dialect == Dialect::kSqlite
          ? "CREATE TABLE event_logs (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, event_type TEXT NOT NULL, "
            "step_key TEXT NOT NULL DEFAULT '', timestamp BIGINT NOT NULL, level TEXT NOT NULL, message TEXT NOT "
            "NULL DEFAULT '', asset_key TEXT, name TEXT NOT NULL DEFAULT '', partition TEXT, metadata TEXT NOT NULL "
            "DEFAULT '[]', error_type TEXT NOT NULL DEFAULT '')"
          : "CREATE TABLE event_logs (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, run_id TEXT NOT NULL, "
            "event_type TEXT NOT NULL, step_key TEXT NOT NULL DEFAULT '', timestamp BIGINT NOT NULL, level TEXT NOT "
            "NULL, message TEXT NOT NULL DEFAULT '', asset_key TEXT, name TEXT NOT NULL DEFAULT '', partition TEXT, "
            "metadata TEXT NOT NULL DEFAULT '[]', error_type TEXT NOT NULL DEFAULT '')";
  return {
      "CREATE TABLE strata_schema (version INTEGER NOT NULL)",
      "CREATE TABLE runs (run_id TEXT PRIMARY KEY, job_name TEXT NOT NULL, selection TEXT NOT NULL DEFAULT '', "
      "status TEXT NOT NULL, tags TEXT NOT NULL DEFAULT '{}', run_config TEXT NOT NULL DEFAULT '{}', owner_host TEXT "
      "NOT NULL DEFAULT '', owner_pid BIGINT NOT NULL DEFAULT 0, owner_start_ticks BIGINT NOT NULL DEFAULT 0, "
      "create_time BIGINT NOT NULL, start_time BIGINT NOT NULL DEFAULT 0, end_time BIGINT NOT NULL DEFAULT 0)",
      "CREATE INDEX runs_by_status ON runs(status, create_time)",
      "CREATE INDEX runs_by_job ON runs(job_name, create_time)",
      "CREATE INDEX runs_by_time ON runs(create_time)",
      event_logs,
      "CREATE INDEX events_by_run ON event_logs(run_id, id)",
      "CREATE INDEX events_by_asset ON event_logs(asset_key, event_type, id) WHERE asset_key IS NOT NULL",
      "CREATE INDEX events_by_partition ON event_logs(asset_key, partition, event_type, id) WHERE partition IS NOT "
      "NULL",
      "CREATE TABLE asset_keys (asset_key TEXT PRIMARY KEY, last_materialization_id BIGINT NOT NULL DEFAULT 0, "
      "wiped_before_id BIGINT NOT NULL DEFAULT 0)",
  };
}

}  // namespace strata::storage_detail
