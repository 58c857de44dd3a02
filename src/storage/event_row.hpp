// The column form of an Event, shared by the SQLite and PostgreSQL backends so both store exactly
// the same thing.
#pragma once

#include <optional>
#include <string>

#include "strata/core/types/event.hpp"

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

}  // namespace strata::storage_detail
