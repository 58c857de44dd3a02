// Arrow tables as Strata values: the C++ DataFrame. An asset returns std::shared_ptr<arrow::Table>
// (or a std::shared_ptr<arrow::RecordBatchReader> to stream), and table I/O managers store it.
#pragma once

#include <arrow/api.h>

#include <memory>
#include <string>

#include "strata/core/types/metadata.hpp"
#include "strata/core/types/typed.hpp"
#include "strata/core/types/value.hpp"

namespace strata {

using ArrowTable = std::shared_ptr<arrow::Table>;
using ArrowReader = std::shared_ptr<arrow::RecordBatchReader>;

// Metadata every table materialization records: num_rows, schema (column names and types) and a
// markdown preview of the first `preview_rows` rows.
Metadata table_metadata(const arrow::Table& table, int preview_rows = 5);

// A markdown table of the first `rows` rows (cells rendered by Arrow, long cells shortened).
std::string markdown_preview(const arrow::Table& table, int rows = 5);

// Throws StorageError naming `what` when `status` is not OK.
void check_arrow(const arrow::Status& status, const std::string& what);
template <class T>
T check_arrow(arrow::Result<T> result, const std::string& what) {
  check_arrow(result.status(), what);
  return std::move(result).ValueUnsafe();
}

// The table a step returned to a table manager (`manager`, e.g. "DuckDB"): an ArrowTable, or an
// ArrowReader read to its end. Throws StorageError naming `owner` for another type or a null table.
ArrowTable arrow_table_of(const Value& value, const std::string& owner, const std::string& manager);

// The columns two schemas disagree on ("price: double vs string, extra: missing vs int64"); empty
// when they are equal.
std::string schema_difference(const arrow::Schema& expected, const arrow::Schema& actual);

}  // namespace strata
