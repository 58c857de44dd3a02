// DuckDB from Strata: one shared handle per database file per process (DuckDB allows a file to be
// open once per process), connections that run SQL and move Arrow tables in and out through the C
// data interface — no per-value loop.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "strata/arrow/table.hpp"

struct _duckdb_database;
struct _duckdb_connection;

namespace strata {

class DuckDBDatabase {
 public:
  // The open database at `path` (":memory:" for an in-memory one), shared with every other user of
  // the same path in this process. A file that another process holds (DuckDB allows one writing
  // process per file) is retried with exponential backoff for up to `lock_timeout`; `on_wait` is
  // told once, when the first attempt finds the file locked. Throws StorageError naming the file
  // (for a lock: that it is locked, by whom DuckDB says, and how long Strata waited).
  static std::shared_ptr<DuckDBDatabase> open(const std::string& path,
                                              std::chrono::milliseconds lock_timeout = std::chrono::seconds(60),
                                              const std::function<void(const std::string&)>& on_wait = {});
  ~DuckDBDatabase();
  DuckDBDatabase(const DuckDBDatabase&) = delete;
  DuckDBDatabase& operator=(const DuckDBDatabase&) = delete;

  const std::string& path() const { return path_; }
  _duckdb_database* handle() const { return db_; }
  // Serializes this process's write transactions on the database (DuckDB lets concurrent writers
  // of one catalog entry conflict; Strata's writers take turns instead of failing).
  std::mutex& write_mutex() { return write_mutex_; }

 private:
  DuckDBDatabase(std::string path, std::chrono::milliseconds lock_timeout,
                 const std::function<void(const std::string&)>& on_wait);
  std::string path_;
  _duckdb_database* db_ = nullptr;
  std::mutex write_mutex_;
};

// One connection: used by one thread at a time (DuckDB connections are not safe for concurrent use);
// open as many as needed, they share the database.
class DuckDBConnection {
 public:
  explicit DuckDBConnection(std::shared_ptr<DuckDBDatabase> database);
  ~DuckDBConnection();
  DuckDBConnection(const DuckDBConnection&) = delete;
  DuckDBConnection& operator=(const DuckDBConnection&) = delete;

  // Runs SQL; throws StorageError with DuckDB's message and the statement.
  void execute(const std::string& sql);
  // Runs a query and returns its result as an Arrow table.
  ArrowTable query_arrow(const std::string& sql);
  // The first column of the first row as an integer (count(*) and the like).
  int64_t query_int(const std::string& sql);
  // Makes `table` scannable as the temporary view `view` (valid until drop_arrow_view or the
  // connection closes; scan it once).
  void register_arrow_view(const std::string& view, const ArrowTable& table);
  void drop_arrow_view(const std::string& view);

  const DuckDBDatabase& database() const { return *database_; }
  _duckdb_connection* handle() const { return con_; }

 private:
  struct ArrowStreams;
  std::shared_ptr<DuckDBDatabase> database_;
  _duckdb_connection* con_ = nullptr;
  std::unique_ptr<ArrowStreams> streams_;
};

// Quotes an identifier ("my table") or a string literal ('it''s') for SQL.
std::string quote_identifier(const std::string& name);
std::string quote_literal(const std::string& text);

}  // namespace strata
