// Text as the instance stores it: well-formed UTF-8 without NUL, on both backends. utf8::sanitize
// turns ill-formed sequences and NUL into U+FFFD, so that no text can make a JSON writer throw or a
// PostgreSQL statement (or a whole COPY batch) fail. Lookups by run id, asset key or partition apply
// the same, so that a key finds what was stored under it.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "strata/core/definitions/asset_key.hpp"
#include "strata/storage/storage.hpp"

namespace strata::storage_detail {

std::string stored_text(const std::string& text);
std::optional<std::string> stored_text(const std::optional<std::string>& text);
// "a/b/c" with each component as stored_text() makes it.
std::string stored_key(const AssetKey& key);
// The tags as a JSON object of stored text.
std::string stored_tags(const std::map<std::string, std::string>& tags);
// The record with every text field as stored_text() makes it.
RunRecord stored_run(const RunRecord& run);
BackfillRecord stored_backfill(const BackfillRecord& backfill);

}  // namespace strata::storage_detail
