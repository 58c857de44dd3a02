#include "sql_connection.hpp"

namespace strata::storage_detail {

const SqlDialect kSqliteDialect{
    .kind = Dialect::kSqlite,
    .begin_transaction = "BEGIN IMMEDIATE",
    .byte_order = "",
    .lock_queue = "",
    .lock_pool = "",
    .lock_dynamic_partitions = "",
    .lock_selected_row = "",
    .rows_per_insert = 1,
};

const SqlDialect kPostgresDialect{
    .kind = Dialect::kPostgres,
    .begin_transaction = "BEGIN",
    .byte_order = " COLLATE \"C\"",
    .lock_queue = "SELECT pg_advisory_xact_lock(727373)",
    .lock_pool = "SELECT pg_advisory_xact_lock(727374, hashtext(?1))",
    .lock_dynamic_partitions = "LOCK TABLE dynamic_partitions IN SHARE ROW EXCLUSIVE MODE",
    .lock_selected_row = " FOR UPDATE",
    .rows_per_insert = 1000,
};

std::string SqlDialect::parameters(const std::string& sql) const {
  std::string out(sql);
  if (kind == Dialect::kPostgres) {
    for (char& c : out) {
      if (c == '?') c = '$';
    }
  }
  return out;
}

std::string SqlValue::as_text() const {
  if (const int64_t* value = integer()) return std::to_string(*value);
  if (const std::string* value = text()) return *value;
  return "";
}

}  // namespace strata::storage_detail
