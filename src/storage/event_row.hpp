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
// dialects: one row per asset key, the materialization's row read by its id.
inline constexpr const char* kAssetCatalogSql =
    "SELECT a.asset_key, CASE WHEN m.id IS NULL THEN 0 ELSE m.id END, COALESCE(m.run_id, ''), COALESCE(m.timestamp, "
    "0), "
    "m.partition, CASE WHEN f.id IS NULL THEN 0 ELSE f.id END, COALESCE(f.run_id, '') FROM asset_keys a LEFT JOIN "
    "event_logs m ON m.id=a.last_materialization_id AND a.last_materialization_id > a.wiped_before_id LEFT JOIN "
    "event_logs f ON f.id=a.last_failure_id AND a.last_failure_id > a.wiped_before_id WHERE m.id IS NOT NULL OR f.id "
    "IS NOT NULL ORDER BY a.asset_key";

// Records event ?2 as the latest failure to materialize asset ?1.
inline constexpr const char* kRecordFailureSql =
    "INSERT INTO asset_keys(asset_key, last_failure_id) VALUES(?1, ?2) ON CONFLICT(asset_key) DO UPDATE SET "
    "last_failure_id=CASE WHEN excluded.last_failure_id > asset_keys.last_failure_id THEN excluded.last_failure_id "
    "ELSE asset_keys.last_failure_id END";

}  // namespace strata::storage_detail
