#include "event_row.hpp"

#include "strata/core/error.hpp"

namespace strata::storage_detail {

EventRow to_row(const Event& event) {
  EventRow row;
  row.run_id = event.run_id;
  row.event_type = event_type_name(event.type);
  row.step_key = event.step_key;
  row.timestamp_us = event.timestamp_us;
  row.level = log_level_name(event.level);
  row.message = event.message;
  if (event.asset_key) row.asset_key = event.asset_key->to_string();
  row.name = event.name;
  row.partition = event.partition;
  row.metadata = metadata_to_json(event.metadata);
  row.error_type = event.error_type;
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
  event.metadata = metadata_from_json(row.metadata);
  event.error_type = std::move(row.error_type);
  return event;
}

}  // namespace strata::storage_detail
