#include "strata/arrow/table.hpp"

#include <algorithm>

#include "strata/core/types/value_display.hpp"
#include "strata/core/util/error.hpp"
#include "strata/core/util/utf8.hpp"

namespace strata {
namespace {

std::string cell(const arrow::ChunkedArray& column, int64_t row) {
  auto scalar = column.GetScalar(row);
  if (!scalar.ok()) return "?";
  const auto& value = *scalar;
  if (!value->is_valid) return "";
  std::string text = utf8::sanitize(value->ToString());  // binary cells may hold any bytes
  for (char& c : text) {
    if (c == '|' || c == '\n' || c == '\r') c = ' ';
  }
  if (text.size() > 60) text = std::string(utf8::truncate(text, 57)) + "...";  // whole characters only
  return text;
}

}  // namespace

void check_arrow(const arrow::Status& status, const std::string& what) {
  if (!status.ok()) throw StorageError(what + ": " + status.ToString());
}

std::string markdown_preview(const arrow::Table& table, int rows) {
  std::string out = "|";
  std::string rule = "|";
  for (const auto& field : table.schema()->fields()) {
    out += " " + field->name() + " |";
    rule += " --- |";
  }
  out += "\n" + rule + "\n";
  int64_t shown = std::min<int64_t>(rows, table.num_rows());
  for (int64_t r = 0; r < shown; ++r) {
    out += "|";
    for (int c = 0; c < table.num_columns(); ++c) out += " " + cell(*table.column(c), r) + " |";
    out += "\n";
  }
  return out;
}

namespace {

constexpr int kDisplayedRows = 20;

// `asset value` of a table: its size, columns and first rows.
std::string display_table(const Value& value) {
  const ArrowTable& table = value.get<ArrowTable>();
  if (!table) return "(no table)";
  std::string columns;
  for (const auto& field : table->schema()->fields()) {
    columns += (columns.empty() ? "" : ", ") + field->name() + " " + field->type()->ToString();
  }
  std::string out = std::to_string(table->num_rows()) + " rows; columns: " + columns + "\n\n" +
                    markdown_preview(*table, kDisplayedRows);
  if (table->num_rows() > kDisplayedRows) {
    out += "(first " + std::to_string(kDisplayedRows) + " of " + std::to_string(table->num_rows()) + " rows)\n";
  }
  return out;
}

[[maybe_unused]] const bool kTableDisplayRegistered =
    (register_value_printer(typeid(ArrowTable), &display_table), true);

}  // namespace

Metadata table_metadata(const arrow::Table& table, int preview_rows) {
  std::vector<TableColumn> columns;
  for (const auto& field : table.schema()->fields()) columns.push_back({field->name(), field->type()->ToString()});
  return {{"num_rows", table.num_rows()},
          {"schema", MetadataValue::table_schema(std::move(columns))},
          {"preview", MetadataValue::markdown(markdown_preview(table, preview_rows))}};
}

ArrowTable arrow_table_of(const Value& value, const std::string& owner, const std::string& manager) {
  ArrowTable table;
  if (value.holds<ArrowTable>()) {
    table = value.get<ArrowTable>();
  } else if (value.holds<ArrowReader>()) {
    table = check_arrow(value.get<ArrowReader>()->ToTable(), owner + ": reading the record batch stream");
  } else {
    throw StorageError(owner + ": the " + manager + " I/O manager stores Arrow tables, not " + value.type().name);
  }
  if (!table) throw StorageError(owner + ": the asset returned a null table");
  return table;
}

std::string schema_difference(const arrow::Schema& expected, const arrow::Schema& actual) {
  std::string out;
  auto add = [&](const std::string& text) { out += (out.empty() ? "" : ", ") + text; };
  for (const auto& field : expected.fields()) {
    auto other = actual.GetFieldByName(field->name());
    if (!other) {
      add(field->name() + ": " + field->type()->ToString() + " vs missing");
    } else if (!other->type()->Equals(*field->type())) {
      add(field->name() + ": " + field->type()->ToString() + " vs " + other->type()->ToString());
    }
  }
  for (const auto& field : actual.fields()) {
    if (!expected.GetFieldByName(field->name())) add(field->name() + ": missing vs " + field->type()->ToString());
  }
  return out;
}

}  // namespace strata
