#include "stored_text.hpp"

#include <nlohmann/json.hpp>

#include "strata/core/util/utf8.hpp"

namespace strata::storage_detail {

std::string stored_text(const std::string& text) { return utf8::sanitize(text); }

std::optional<std::string> stored_text(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return stored_text(*text);
}

std::string stored_key(const AssetKey& key) {
  std::string out;
  for (size_t i = 0; i < key.path().size(); ++i) {
    if (i) out += '/';
    out += stored_text(key.path()[i]);
  }
  return out;
}

std::string stored_tags(const std::map<std::string, std::string>& tags) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [name, value] : tags) object[stored_text(name)] = stored_text(value);
  return object.dump();
}

RunRecord stored_run(const RunRecord& run) {
  RunRecord out = run;
  for (std::string* text : {&out.run_id, &out.job_name, &out.selection, &out.run_config, &out.owner_host}) {
    *text = stored_text(*text);
  }
  return out;
}

BackfillRecord stored_backfill(const BackfillRecord& backfill) {
  BackfillRecord out = backfill;
  for (std::string* text : {&out.backfill_id, &out.selection, &out.status, &out.launch, &out.error}) {
    *text = stored_text(*text);
  }
  for (auto& partition : out.partitions) partition = stored_text(partition);
  return out;
}

}  // namespace strata::storage_detail
