// The table the table benchmarks write and read: `rows` rows of int64, double, string, timestamp
// and bool columns.
#pragma once

#include <arrow/api.h>

#include <memory>

namespace strata::bench {

std::shared_ptr<arrow::Table> make_stories_table(int64_t rows);

}  // namespace strata::bench
