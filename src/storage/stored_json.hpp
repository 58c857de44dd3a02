// A JSON document the instance stored in a column (a run's tags, a tick's or a backfill's
// partitions, a queued run's launch document) read back as T: a StorageError naming the record and
// the column when the stored text is damaged (edited by hand, truncated), never a JSON library
// exception. Header-only; throws StorageError only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "strata/core/util/error.hpp"

namespace strata::storage_detail {

// `what` names the record and column, e.g. "run 'abc': stored tags".
template <class T>
T stored_json(const std::string& text, const std::string& what) {
  try {
    return nlohmann::json::parse(text).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw StorageError(what + " are damaged (not the JSON the instance wrote): " + e.what());
  }
}

}  // namespace strata::storage_detail
