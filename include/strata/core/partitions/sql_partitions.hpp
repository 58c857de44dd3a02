// SQL text shared by the table managers over SQL databases (DuckDB, ADBC): the rows a partition
// scope covers, the partition column an asset names, the columns an input selects. Quoting is the
// caller's, since dialects differ. Pure functions; what they throw is stated per function.
#pragma once

#include <functional>
#include <string>

#include "strata/core/partitions/partition_scope.hpp"
#include "strata/core/types/metadata.hpp"

namespace strata {

using SqlQuote = std::function<std::string(const std::string&)>;

// The rows of `scope` in a table partitioned by `quoted_column`: for a time window
// "<column> >= TIMESTAMP 'YYYY-MM-DD HH:MM:SS' AND <column> < TIMESTAMP '...'" (UTC), otherwise
// "<column> IN (<keys quoted by quote_literal>)".
std::string sql_partition_predicate(const std::string& quoted_column, const PartitionScope& scope,
                                    const SqlQuote& quote_literal);

// The partition column of a partitioned asset: its definition metadata "partition_expr". Throws
// ConfigError naming `owner` and telling how to give it to `manager` (e.g. "DuckDB") when missing.
std::string sql_partition_column(const Metadata& definition, const std::string& owner, const std::string& manager);

// The input metadata "columns" (a list of column names) as a select list quoted by
// quote_identifier, or "*" when the input names none.
std::string sql_select_list(const Metadata& input_metadata, const SqlQuote& quote_identifier);

}  // namespace strata
