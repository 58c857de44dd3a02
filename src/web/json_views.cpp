#include "json_views.hpp"

#include <array>
#include <charconv>

#include "strata/core/util/utf8.hpp"

namespace strata::web {
namespace {

// The images a markdown text embeds as ![alt](data:image/...;base64,...), raster formats only.
Json embedded_images(const std::string& markdown) {
  static constexpr std::array<std::string_view, 4> kTypes = {"image/png", "image/jpeg", "image/gif", "image/webp"};
  Json images = Json::array();
  size_t at = 0;
  while ((at = markdown.find("![", at)) != std::string::npos) {
    size_t close = markdown.find("](", at + 2);
    if (close == std::string::npos) break;
    size_t end = markdown.find(')', close + 2);
    if (end == std::string::npos) break;
    std::string alt = markdown.substr(at + 2, close - at - 2);
    std::string url = markdown.substr(close + 2, end - close - 2);
    at = end + 1;
    if (url.rfind("data:", 0) != 0) continue;
    size_t semicolon = url.find(";base64,");
    if (semicolon == std::string::npos) continue;
    std::string type = url.substr(5, semicolon - 5);
    bool known = false;
    for (auto candidate : kTypes) known = known || type == candidate;
    bool base64 = url.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
                                        semicolon + 8) == std::string::npos;
    if (!known || !base64) continue;
    images.push_back({{"alt", json_text(alt)}, {"content_type", type}, {"data_url", url}});
  }
  return images;
}

}  // namespace

std::string json_text(const std::string& text) { return utf8::is_valid(text) ? text : utf8::sanitize(text); }

void append_json_string(std::string& out, std::string_view text) {
  if (!utf8::is_valid(text)) {
    append_json_string(out, utf8::sanitize(text));
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    } else {
      out += c;
    }
  }
  out += '"';
}

void append_time(std::string& out, int64_t time_us) {
  if (time_us == 0) {
    out += "null";
    return;
  }
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<double>(time_us) / 1000.0);
  out.append(buffer, result.ptr);
}

Json time_json(int64_t time_us) {
  if (time_us == 0) return nullptr;
  return static_cast<double>(time_us) / 1000.0;
}

Json metadata_json(const Metadata& metadata) {
  Json out = Json::array();
  for (const auto& entry : metadata) {
    // MetadataValue::to_json never throws and writes text sanitized.
    Json value = Json::parse(entry.value.to_json());
    Json item = {{"label", json_text(entry.key)}, {"kind", value.at("kind")}, {"value", value.at("value")}};
    if (entry.value.kind() == MetadataValue::Kind::kMarkdown) {
      Json images = embedded_images(entry.value.as_text());
      if (!images.empty()) item["images"] = std::move(images);
    }
    out.push_back(std::move(item));
  }
  return out;
}

Json run_json(const RunRecord& run) {
  Json tags = Json::object();
  for (const auto& [key, value] : run.tags) tags[json_text(key)] = json_text(value);
  Json out = {{"run_id", json_text(run.run_id)},
              {"job", json_text(run.job_name)},
              {"selection", json_text(run.selection)},
              {"status", run_status_name(run.status)},
              {"tags", std::move(tags)},
              {"create", time_json(run.create_time_us)},
              {"start", time_json(run.start_time_us)},
              {"end", time_json(run.end_time_us)}};
  auto tag = [&](const char* name) -> Json {
    auto it = run.tags.find(name);
    return it == run.tags.end() ? Json(nullptr) : Json(json_text(it->second));
  };
  out["partition"] = tag("strata/partition");
  out["partition_range"] = tag("strata/partition_range");
  out["parent_run_id"] = tag("strata/parent_run_id");
  out["root_run_id"] = tag("strata/root_run_id");
  out["backfill_id"] = tag("strata/backfill_id");
  return out;
}

Json event_json(const EventRecord& record) {
  const Event& e = record.event;
  Json out = {{"id", record.id},
              {"run_id", json_text(e.run_id)},
              {"type", event_type_name(e.type)},
              {"step", json_text(e.step_key)},
              {"level", log_level_name(e.level)},
              {"message", json_text(e.message)},
              {"timestamp", time_json(e.timestamp_us)}};
  if (e.asset_key) out["asset"] = json_text(e.asset_key->to_string());
  if (e.partition) out["partition"] = json_text(*e.partition);
  if (!e.name.empty()) out["output"] = json_text(e.name);
  if (!e.error_type.empty()) out["error_type"] = json_text(e.error_type);
  if (!e.metadata.empty()) out["metadata"] = metadata_json(e.metadata);
  return out;
}

}  // namespace strata::web
