// Metadata: typed values attached to definitions and to materialization events (row counts,
// previews, paths...). The order in which entries are added is kept.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace strata {

struct TableColumn {
  std::string name{};
  std::string type{};
  bool operator==(const TableColumn&) const = default;
};

// A few rows of a table rendered as text cells, for previews.
struct TablePreview {
  std::vector<std::string> columns{};
  std::vector<std::vector<std::string>> rows{};
  bool operator==(const TablePreview&) const = default;
};

class MetadataValue {
 public:
  enum class Kind {
    kText,
    kInt,
    kFloat,
    kBool,
    kMarkdown,
    kJson,
    kPath,
    kUrl,
    kTableSchema,
    kTablePreview,
    kTimestamp
  };

  MetadataValue() : MetadataValue(std::string()) {}
  MetadataValue(const char* text) : MetadataValue(std::string(text)) {}
  MetadataValue(std::string text) : kind_(Kind::kText), data_(std::move(text)) {}
  MetadataValue(bool flag) : kind_(Kind::kBool), data_(flag) {}
  template <class I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool>) MetadataValue(I number)
      : kind_(Kind::kInt), data_(static_cast<int64_t>(number)) {}
  MetadataValue(double number) : kind_(Kind::kFloat), data_(number) {}
  MetadataValue(float number) : MetadataValue(static_cast<double>(number)) {}
  // A list of strings (e.g. column names) is recorded as a JSON array (of sanitized text, see to_json).
  MetadataValue(const std::vector<std::string>& items);

  static MetadataValue markdown(std::string text) { return {Kind::kMarkdown, std::move(text)}; }
  // `json_text` must be a JSON document; it is validated and stored in compact form.
  static MetadataValue json(const std::string& json_text);
  static MetadataValue path(std::string path) { return {Kind::kPath, std::move(path)}; }
  static MetadataValue url(std::string url) { return {Kind::kUrl, std::move(url)}; }
  static MetadataValue table_schema(std::vector<TableColumn> columns) {
    return {Kind::kTableSchema, std::move(columns)};
  }
  static MetadataValue table_preview(TablePreview preview) { return {Kind::kTablePreview, std::move(preview)}; }
  // Seconds since the Unix epoch, UTC.
  static MetadataValue timestamp(double unix_seconds) { return {Kind::kTimestamp, unix_seconds}; }
  static MetadataValue timestamp(std::chrono::system_clock::time_point at);

  Kind kind() const { return kind_; }
  const char* kind_name() const;

  // Accessors throw TypeMismatchError when the kind does not fit.
  const std::string& as_text() const;  // text, markdown, json, path, url
  int64_t as_int() const;
  double as_float() const;  // float and timestamp
  bool as_bool() const;
  const std::vector<TableColumn>& as_table_schema() const;
  const TablePreview& as_table_preview() const;

  // A one-line human rendering (terminal output, logs).
  std::string to_display_string() const;
  // A JSON document {"kind": ..., "value": ...} for storage; from_json() reverses it. Never throws:
  // text is written as utf8::sanitize() makes it (ill-formed UTF-8 and NUL become U+FFFD), NaN and
  // infinities as the strings "NaN", "Infinity", "-Infinity".
  std::string to_json() const;
  static MetadataValue from_json(const std::string& json_text);

  bool operator==(const MetadataValue&) const = default;

 private:
  using Data = std::variant<std::string, int64_t, double, bool, std::vector<TableColumn>, TablePreview>;
  MetadataValue(Kind kind, Data data) : kind_(kind), data_(std::move(data)) {}

  Kind kind_;
  Data data_;
};

struct MetadataEntry {
  std::string key{};
  MetadataValue value{};
  bool operator==(const MetadataEntry&) const = default;
};

// Ordered key → value entries. Adding a key that exists replaces its value in place.
class Metadata {
 public:
  Metadata() = default;
  Metadata(std::initializer_list<MetadataEntry> entries);

  void set(std::string key, MetadataValue value);
  void merge(const Metadata& other);
  const MetadataValue* find(const std::string& key) const;
  // Throws std::out_of_range naming the key when absent.
  const MetadataValue& at(const std::string& key) const;
  bool contains(const std::string& key) const { return find(key) != nullptr; }

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

  bool operator==(const Metadata&) const = default;

 private:
  std::vector<MetadataEntry> entries_;
};

// A whole Metadata as one JSON document (an array of {"key", "kind", "value"}), for storage. Never
// throws; keys and values are written as MetadataValue::to_json() writes them.
std::string metadata_to_json(const Metadata& metadata);
// Throws Error when `json_text` is not such a document.
Metadata metadata_from_json(const std::string& json_text);

// Shorthands that read like Dagster's MetadataValue.md(...) etc.
inline MetadataValue markdown(std::string text) { return MetadataValue::markdown(std::move(text)); }
inline MetadataValue json_metadata(const std::string& json_text) { return MetadataValue::json(json_text); }
inline MetadataValue path_metadata(std::string path) { return MetadataValue::path(std::move(path)); }
inline MetadataValue url_metadata(std::string url) { return MetadataValue::url(std::move(url)); }

}  // namespace strata
