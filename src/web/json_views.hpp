// How the API writes the instance's records as JSON: runs, events, metadata entries (with images
// embedded in markdown exposed as data URLs), times (Unix epoch milliseconds).
#pragma once

#include <nlohmann/json.hpp>

#include "strata/core/types/event.hpp"
#include "strata/core/types/metadata.hpp"
#include "strata/storage/run_record.hpp"
#include "strata/storage/storage.hpp"

namespace strata::web {

using Json = nlohmann::json;

// Microseconds since the epoch as milliseconds (fractional); null for 0 (not happened).
Json time_json(int64_t time_us);

// [{label, kind, value}, ...]: kinds as MetadataValue::kind_name() gives them; markdown entries
// also carry "images": [{alt, content_type, data_url}] for the PNG/JPEG/GIF/WebP data URLs they embed.
Json metadata_json(const Metadata& metadata);

// {run_id, job, selection, status, tags, partition, create, start, end, parent_run_id, backfill_id}.
Json run_json(const RunRecord& run);

// {id, run_id, type, step, level, message, timestamp, asset?, partition?, output?, error_type?, metadata?}.
Json event_json(const EventRecord& record);

// The text as JSON would carry it: ill-formed UTF-8 replaced, so that dump() never throws.
std::string json_text(const std::string& text);

// Fast paths for large lists, written straight into `out`: `text` as a JSON string (quoted,
// escaped, ill-formed UTF-8 replaced), and time_json()'s value.
void append_json_string(std::string& out, std::string_view text);
void append_time(std::string& out, int64_t time_us);

}  // namespace strata::web
