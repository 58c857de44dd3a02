// ADBC (Arrow Database Connectivity) from Strata: a driver loaded from its shared library, a
// database opened through it, and connections that run SQL, bulk-ingest Arrow tables and return
// query results as Arrow tables — all through the ADBC C API and the Arrow C data interface, never a
// per-value loop. adbc.h stays out of this header (only src/integrations/adbc includes it).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "strata/arrow/table.hpp"

namespace strata::adbc {

// The shared library of `driver`: a path (anything with a '/') as given; a name such as
// "postgresql" or "snowflake" as libadbc_driver_<name>.so, looked up in $STRATA_ADBC_DRIVER_DIR
// (':'-separated), then among the drivers of the pinned wheels this build was configured with,
// then by the dynamic loader's search path. Throws ConfigError for an empty name.
std::string driver_library(const std::string& driver);

// How the database behind a driver spells SQL where PostgreSQL and Snowflake differ.
struct Dialect {
  bool backslash_escapes = false;   // '\' escapes in string literals (Snowflake)
  size_t max_identifier_bytes = 0;  // longer identifiers are truncated by the server (PostgreSQL: 63); 0: no limit
  // DDL inside a transaction rolls back with it (PostgreSQL). Where it commits at once (Snowflake),
  // a table is replaced with ALTER TABLE ... SWAP WITH, and RENAME TO takes a qualified name.
  bool transactional_ddl = true;
};

// An open ADBC database: the driver (loaded once per process with dlopen and its AdbcDriverInit,
// never unloaded: Go drivers such as Snowflake's cannot be) and the database object initialized with
// `options` (ADBC option name and value, e.g. "uri", set in this order). Thread-safe: connections to it may be opened
// and used from any number of threads. Throws StorageError naming `description` (which must not hold
// secrets) when the driver cannot be loaded or the database refuses the options.
class Database {
 public:
  static std::shared_ptr<Database> open(const std::string& driver,
                                        const std::vector<std::pair<std::string, std::string>>& options,
                                        std::string description);
  // The same, opened once per process for each (driver, options, description) and kept until exit:
  // runs that use one database do not pay for opening it again (the PostgreSQL driver connects and
  // reads the server's types when a database is opened).
  static std::shared_ptr<Database> shared(const std::string& driver,
                                          const std::vector<std::pair<std::string, std::string>>& options,
                                          const std::string& description);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  const std::string& description() const;
  const Dialect& dialect() const;

 private:
  friend class Connection;
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

enum class IngestMode { create, append, replace, create_append };

// One connection (connected when constructed). Used by one thread at a time. Starts in autocommit
// mode; begin() starts a transaction that commit() or rollback() ends. Every method throws
// StorageError with the driver's message on one line, naming the database's description.
class Connection {
 public:
  explicit Connection(std::shared_ptr<Database> database);
  ~Connection();  // rolls back an open transaction
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void execute(const std::string& sql);
  ArrowTable query(const std::string& sql);
  // Bulk ingest (the driver's own path, e.g. COPY for PostgreSQL) of `rows` into db_schema.table
  // (db_schema empty: the connection's default). Returns the rows written, or -1 if the driver does
  // not say.
  int64_t ingest(const ArrowReader& rows, const std::string& db_schema, const std::string& table, IngestMode mode);
  // The table's schema as the driver reports it, or null when there is no such table.
  std::shared_ptr<arrow::Schema> table_schema(const std::string& db_schema, const std::string& table);

  void begin();
  void commit();
  void rollback() noexcept;

  const Database& database() const { return *database_; }

 private:
  struct Impl;
  std::shared_ptr<Database> database_;
  std::unique_ptr<Impl> impl_;
};

// SQL quoting shared by PostgreSQL and Snowflake: "my ""table""" and 'it''s' (with '\' doubled
// where `dialect` treats it as an escape). Throws StorageError for text with a NUL byte.
std::string quote_identifier(const std::string& name);
std::string quote_literal(const std::string& text, const Dialect& dialect);

}  // namespace strata::adbc
