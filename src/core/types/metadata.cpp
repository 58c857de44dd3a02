#include "strata/core/types/metadata.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "strata/core/detail/enum_names.hpp"
#include "strata/core/util/error.hpp"
#include "strata/core/util/utf8.hpp"

namespace strata {
namespace {

using Json = nlohmann::json;

constexpr std::pair<MetadataValue::Kind, const char*> kKindNames[] = {
    {MetadataValue::Kind::kText, "text"},
    {MetadataValue::Kind::kInt, "int"},
    {MetadataValue::Kind::kFloat, "float"},
    {MetadataValue::Kind::kBool, "bool"},
    {MetadataValue::Kind::kMarkdown, "markdown"},
    {MetadataValue::Kind::kJson, "json"},
    {MetadataValue::Kind::kPath, "path"},
    {MetadataValue::Kind::kUrl, "url"},
    {MetadataValue::Kind::kTableSchema, "table_schema"},
    {MetadataValue::Kind::kTablePreview, "table_preview"},
    {MetadataValue::Kind::kTimestamp, "timestamp"},
};

std::string format_double(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  std::string shortest = buffer;
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return std::stod(buffer) == value ? buffer : shortest;
}

std::string format_timestamp(double unix_seconds) {
  auto seconds = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

// Text as stored: well-formed UTF-8 without NUL, so that no document is refused by a JSON writer
// or a database (see utf8::sanitize).
Json text(const std::string& value) { return utf8::sanitize(value); }

// JSON has no NaN or infinities: they are written as the strings "NaN", "Infinity", "-Infinity".
Json number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  return value;
}

double number_from(const Json& value) {
  if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();  // how older versions wrote non-finite numbers
  if (!value.is_string()) return value.get<double>();
  const auto& name = value.get_ref<const std::string&>();
  if (name == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (name == "Infinity") return std::numeric_limits<double>::infinity();
  if (name == "-Infinity") return -std::numeric_limits<double>::infinity();
  throw Error("stored metadata number is '" + name + "'");
}

std::vector<std::string> texts(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  out.reserve(values.size());
  for (const auto& value : values) out.push_back(utf8::sanitize(value));
  return out;
}

}  // namespace

MetadataValue::MetadataValue(const std::vector<std::string>& items)
    : kind_(Kind::kJson), data_(Json(texts(items)).dump()) {}

MetadataValue MetadataValue::json(const std::string& json_text) {
  try {
    return {Kind::kJson, Json::parse(json_text).dump()};
  } catch (const Json::exception& e) {
    throw Error(std::string("metadata value is not valid JSON: ") + e.what());
  }
}

MetadataValue MetadataValue::timestamp(std::chrono::system_clock::time_point at) {
  return timestamp(std::chrono::duration<double>(at.time_since_epoch()).count());
}

const char* MetadataValue::kind_name() const { return detail::name_of(kKindNames, kind_, "unknown"); }

const std::string& MetadataValue::as_text() const {
  if (const auto* text = std::get_if<std::string>(&data_)) return *text;
  throw TypeMismatchError(std::string("metadata value of kind ") + kind_name() + " is not text");
}

int64_t MetadataValue::as_int() const {
  if (const auto* number = std::get_if<int64_t>(&data_)) return *number;
  throw TypeMismatchError(std::string("metadata value of kind ") + kind_name() + " is not an int");
}

double MetadataValue::as_float() const {
  if (const auto* number = std::get_if<double>(&data_)) return *number;
  if (const auto* number = std::get_if<int64_t>(&data_)) return static_cast<double>(*number);
  throw TypeMismatchError(std::string("metadata value of kind ") + kind_name() + " is not a number");
}

bool MetadataValue::as_bool() const {
  if (const auto* flag = std::get_if<bool>(&data_)) return *flag;
  throw TypeMismatchError(std::string("metadata value of kind ") + kind_name() + " is not a bool");
}

const std::vector<TableColumn>& MetadataValue::as_table_schema() const {
  if (const auto* schema = std::get_if<std::vector<TableColumn>>(&data_)) return *schema;
  throw TypeMismatchError(std::string("metadata value of kind ") + kind_name() + " is not a table schema");
}

const TablePreview& MetadataValue::as_table_preview() const {
  if (const auto* preview = std::get_if<TablePreview>(&data_)) return *preview;
  throw TypeMismatchError(std::string("metadata value of kind ") + kind_name() + " is not a table preview");
}

std::string MetadataValue::to_display_string() const {
  switch (kind_) {
    case Kind::kInt:
      return std::to_string(as_int());
    case Kind::kFloat:
      return format_double(as_float());
    case Kind::kBool:
      return as_bool() ? "true" : "false";
    case Kind::kTimestamp:
      return format_timestamp(as_float());
    case Kind::kTableSchema: {
      std::string out;
      for (const auto& column : as_table_schema()) {
        if (!out.empty()) out += ", ";
        out += column.name + ": " + column.type;
      }
      return out;
    }
    case Kind::kTablePreview: {
      const auto& preview = as_table_preview();
      return std::to_string(preview.rows.size()) + " rows x " + std::to_string(preview.columns.size()) + " columns";
    }
    default:
      return as_text();
  }
}

namespace {

Json value_document(const MetadataValue& value) {
  using Kind = MetadataValue::Kind;
  Json doc;
  doc["kind"] = value.kind_name();
  switch (value.kind()) {
    case Kind::kInt:
      doc["value"] = value.as_int();
      break;
    case Kind::kFloat:
    case Kind::kTimestamp:
      doc["value"] = number(value.as_float());
      break;
    case Kind::kBool:
      doc["value"] = value.as_bool();
      break;
    case Kind::kJson:
      doc["value"] = Json::parse(value.as_text());
      break;
    case Kind::kTableSchema: {
      Json columns = Json::array();
      for (const auto& column : value.as_table_schema()) {
        columns.push_back({{"name", text(column.name)}, {"type", text(column.type)}});
      }
      doc["value"] = columns;
      break;
    }
    case Kind::kTablePreview: {
      Json rows = Json::array();
      for (const auto& row : value.as_table_preview().rows) rows.push_back(texts(row));
      doc["value"] = {{"columns", texts(value.as_table_preview().columns)}, {"rows", rows}};
      break;
    }
    default:
      doc["value"] = text(value.as_text());
  }
  return doc;
}

}  // namespace

std::string MetadataValue::to_json() const { return value_document(*this).dump(); }

MetadataValue MetadataValue::from_json(const std::string& json_text) {
  Json doc = Json::parse(json_text);
  std::string kind = doc.at("kind").get<std::string>();
  const Json& value = doc.at("value");
  if (kind == "text") return MetadataValue(value.get<std::string>());
  if (kind == "int") return MetadataValue(value.get<int64_t>());
  if (kind == "float") return MetadataValue(number_from(value));
  if (kind == "bool") return MetadataValue(value.get<bool>());
  if (kind == "markdown") return markdown(value.get<std::string>());
  if (kind == "json") return MetadataValue(Kind::kJson, value.dump());
  if (kind == "path") return path(value.get<std::string>());
  if (kind == "url") return url(value.get<std::string>());
  if (kind == "timestamp") return timestamp(number_from(value));
  if (kind == "table_schema") {
    std::vector<TableColumn> columns;
    for (const auto& column : value) {
      columns.push_back({column.at("name").get<std::string>(), column.at("type").get<std::string>()});
    }
    return table_schema(std::move(columns));
  }
  if (kind == "table_preview") {
    return table_preview({value.at("columns").get<std::vector<std::string>>(),
                          value.at("rows").get<std::vector<std::vector<std::string>>>()});
  }
  throw Error("unknown metadata kind '" + kind + "'");
}

Metadata::Metadata(std::initializer_list<MetadataEntry> entries) {
  for (const auto& entry : entries) set(entry.key, entry.value);
}

void Metadata::set(std::string key, MetadataValue value) {
  for (auto& entry : entries_) {
    if (entry.key == key) {
      entry.value = std::move(value);
      return;
    }
  }
  entries_.push_back({std::move(key), std::move(value)});
}

void Metadata::merge(const Metadata& other) {
  for (const auto& entry : other) set(entry.key, entry.value);
}

const MetadataValue* Metadata::find(const std::string& key) const {
  for (const auto& entry : entries_) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

const MetadataValue& Metadata::at(const std::string& key) const {
  if (const auto* value = find(key)) return *value;
  throw std::out_of_range("no metadata entry '" + key + "'");
}

std::string metadata_to_json(const Metadata& metadata) {
  Json entries = Json::array();
  for (const auto& entry : metadata) {
    Json value = value_document(entry.value);
    value["key"] = text(entry.key);
    entries.push_back(std::move(value));
  }
  return entries.dump();
}

Metadata metadata_from_json(const std::string& json_text) {
  Metadata metadata;
  if (json_text.empty()) return metadata;
  try {
    for (auto& entry : Json::parse(json_text)) {
      std::string key = entry.at("key").get<std::string>();
      entry.erase("key");
      metadata.set(std::move(key), MetadataValue::from_json(entry.dump()));
    }
  } catch (const Json::exception& e) {
    throw Error(std::string("stored metadata is not valid: ") + e.what());
  }
  return metadata;
}

}  // namespace strata
