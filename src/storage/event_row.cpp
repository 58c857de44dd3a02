#include "event_row.hpp"

#include "stored_text.hpp"
#include "strata/core/util/error.hpp"

namespace strata::storage_detail {

EventRow to_row(const Event& event) {
  EventRow row;
  row.run_id = stored_text(event.run_id);
  row.event_type = event_type_name(event.type);
  row.step_key = stored_text(event.step_key);
  row.timestamp_us = event.timestamp_us;
  row.level = log_level_name(event.level);
  row.message = stored_text(event.message);
  if (event.asset_key) row.asset_key = stored_key(*event.asset_key);
  row.name = stored_text(event.name);
  row.partition = stored_text(event.partition);
  row.metadata = metadata_to_json(event.metadata);
  row.error_type = stored_text(event.error_type);
  return row;
}

Event from_row(EventRow row) {
  Event event;
  auto type = event_type_from_name(row.event_type);
  if (!type) throw StorageError("stored event has unknown type '" + row.event_type + "'");
  event.type = *type;
  event.run_id = std::move(row.run_id);
  event.step_key = std::move(row.step_key);
  event.timestamp_us = row.timestamp_us;
  event.level = log_level_from_name(row.level).value_or(LogLevel::kInfo);
  event.message = std::move(row.message);
  if (row.asset_key) event.asset_key = AssetKey(*row.asset_key);
  event.name = std::move(row.name);
  event.partition = std::move(row.partition);
  try {
    event.metadata = metadata_from_json(row.metadata);
  } catch (const Error&) {
    // One unreadable document must not hide the event (or the log around it): keep it as text.
    event.metadata.set("strata/unreadable_metadata", row.metadata);
  }
  event.error_type = std::move(row.error_type);
  return event;
}

}  // namespace strata::storage_detail
