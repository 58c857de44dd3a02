#include "strata/core/partitions/sql_partitions.hpp"

#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "strata/core/util/error.hpp"

namespace strata {
namespace {

std::string timestamp_literal(std::chrono::sys_seconds at) {
  auto seconds = static_cast<std::time_t>(at.time_since_epoch().count());
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::strftime(text, sizeof text, "TIMESTAMP '%Y-%m-%d %H:%M:%S'", &utc);
  return text;
}

}  // namespace

std::string sql_partition_predicate(const std::string& quoted_column, const PartitionScope& scope,
                                    const SqlQuote& quote_literal) {
  if (scope.window) {
    return quoted_column + " >= " + timestamp_literal(scope.window->start) + " AND " + quoted_column + " < " +
           timestamp_literal(scope.window->end);
  }
  std::string list;
  for (const auto& key : scope.keys) list += (list.empty() ? "" : ", ") + quote_literal(key);
  return quoted_column + " IN (" + list + ")";
}

std::string sql_partition_column(const Metadata& definition, const std::string& owner, const std::string& manager) {
  const MetadataValue* expr = definition.find("partition_expr");
  if (expr == nullptr) {
    throw ConfigError(owner + " is partitioned: give the " + manager +
                      " I/O manager its partition column as definition metadata {\"partition_expr\", \"<column>\"}");
  }
  return expr->as_text();
}

std::string sql_select_list(const Metadata& input_metadata, const SqlQuote& quote_identifier) {
  const MetadataValue* columns = input_metadata.find("columns");
  if (columns == nullptr) return "*";
  std::string out;
  for (const auto& name : nlohmann::json::parse(columns->as_text()).get<std::vector<std::string>>()) {
    out += (out.empty() ? "" : ", ") + quote_identifier(name);
  }
  return out.empty() ? "*" : out;
}

}  // namespace strata
