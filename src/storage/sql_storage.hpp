// The instance storage over any SqlConnection: every Storage method's SQL, transactions and row
// mapping, written once for both backends (sqlite_storage.cpp and postgres_storage.cpp only open a
// connection and say how their database runs a statement).
#pragma once

#include <memory>

#include "sql_connection.hpp"
#include "strata/storage/storage.hpp"

namespace strata::storage_detail {

// A Storage that owns `connection` (open, schema current) and serializes its calls with a mutex:
// safe from several threads; several processes exclude each other through the database's own
// locks (SqlDialect). Throws what the connection throws.
std::unique_ptr<Storage> make_sql_storage(std::unique_ptr<SqlConnection> connection);

}  // namespace strata::storage_detail
