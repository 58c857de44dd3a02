// The column form of an Event, shared by the SQLite and PostgreSQL backends so both store exactly
// the same thing.
#pragma once

#include <optional>
#include <string>

#include "strata/core/event.hpp"

namespace strata::storage_detail {

struct EventRow {
  std::string run_id;
  std::string event_type;
  std::string step_key;
  int64_t timestamp_us = 0;
  std::string level;
  std::string message;
  std::optional<std::string> asset_key;  // "a/b/c"
  std::string name;
  std::optional<std::string> partition;
  std::string metadata;  // JSON
  std::string error_type;
};

// Every text of the row is as stored_text() (stored_text.hpp) makes it; never throws.
EventRow to_row(const Event& event);
// Throws StorageError only for an unknown event type; unreadable metadata is kept as one text entry
// "strata/unreadable_metadata" holding the stored document.
Event from_row(EventRow row);

// The columns in the order both backends select them: id first, then EventRow's fields.
inline constexpr const char* kEventColumns =
    "id, run_id, event_type, step_key, timestamp, level, message, asset_key, name, partition, metadata, error_type";

// Every asset's latest materialization and failure since its wipe (Storage::asset_catalog), both
// dialects: asset_keys alone, one row per asset with either.
inline constexpr const char* kAssetCatalogSql =
    "SELECT asset_key, CASE WHEN last_materialization_id > wiped_before_id THEN last_materialization_id ELSE 0 END, "
    "last_run_id, last_timestamp, last_partition, CASE WHEN last_failure_id > wiped_before_id THEN last_failure_id "
    "ELSE 0 END, last_failure_run_id FROM asset_keys WHERE last_materialization_id > wiped_before_id OR "
    "last_failure_id > wiped_before_id ORDER BY asset_key";

// Records materialization ?2 (run ?3, time ?4, partition ?5) as the latest of asset ?1, unless a
// newer one is recorded.
inline constexpr const char* kRecordMaterializationSql =
    "INSERT INTO asset_keys(asset_key, last_materialization_id, last_run_id, last_timestamp, last_partition) "
    "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(asset_key) DO UPDATE SET last_run_id=CASE WHEN "
    "excluded.last_materialization_id > asset_keys.last_materialization_id THEN excluded.last_run_id ELSE "
    "asset_keys.last_run_id END, last_timestamp=CASE WHEN excluded.last_materialization_id > "
    "asset_keys.last_materialization_id THEN excluded.last_timestamp ELSE asset_keys.last_timestamp END, "
    "last_partition=CASE WHEN excluded.last_materialization_id > asset_keys.last_materialization_id THEN "
    "excluded.last_partition ELSE asset_keys.last_partition END, last_materialization_id=CASE WHEN "
    "excluded.last_materialization_id > asset_keys.last_materialization_id THEN excluded.last_materialization_id "
    "ELSE asset_keys.last_materialization_id END";

// Records event ?2 (of run ?3) as the latest failure to materialize asset ?1, unless a newer one is.
inline constexpr const char* kRecordFailureSql =
    "INSERT INTO asset_keys(asset_key, last_failure_id, last_failure_run_id) VALUES(?1, ?2, ?3) ON "
    "CONFLICT(asset_key) DO UPDATE SET last_failure_run_id=CASE WHEN excluded.last_failure_id > "
    "asset_keys.last_failure_id THEN excluded.last_failure_run_id ELSE asset_keys.last_failure_run_id END, "
    "last_failure_id=CASE WHEN excluded.last_failure_id > asset_keys.last_failure_id THEN excluded.last_failure_id "
    "ELSE asset_keys.last_failure_id END";

}  // namespace strata::storage_detail
