// What the instance storage (sql_storage.hpp) needs of an SQL database, and what differs between
// the two it runs on. The statements are written once, with SQLite's ?N parameters; a SqlDialect
// says, as data, what each database writes differently; a SqlConnection (one per backend) runs a
// statement and hands its result rows through SqlRow, the row reader both backends implement.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "event_row.hpp"
#include "schema.hpp"

namespace strata::storage_detail {

// The differences between the SQL of SQLite and PostgreSQL that the shared statements leave open.
// Constant data; thread-safe.
struct SqlDialect {
  Dialect kind;
  // How a write transaction starts: SQLite's BEGIN IMMEDIATE takes the database's write lock at once,
  // so a transaction excludes every other writer (of any process) from its start.
  const char* begin_transaction;
  // Appended to an ORDER BY column so that text sorts in byte order, as SQLite always sorts.
  const char* byte_order;
  // Statements run at the start of a transaction to serialize, until it ends, the writers of the
  // run queue, the claimers of one pool (?1: the pool) and the writers of dynamic partitions; empty
  // where begin_transaction excludes them already.
  const char* lock_queue;
  const char* lock_pool;
  const char* lock_dynamic_partitions;
  // Appended to a SELECT of one row to lock that row until the transaction ends ("" where the
  // transaction holds the database's write lock).
  const char* lock_selected_row;
  // Rows one multi-row INSERT writes at most (1: one prepared statement, reused, per row).
  size_t rows_per_insert;

  // `sql` with its ?N parameters written as this database's ($N for PostgreSQL). The statements
  // have no '?' elsewhere: values always travel as parameters.
  std::string parameters(const std::string& sql) const;
};

extern const SqlDialect kSqliteDialect;
extern const SqlDialect kPostgresDialect;

// One parameter of a statement: text, an integer or NULL (an absent optional). Cheap to copy.
class SqlValue {
 public:
  SqlValue(std::string text) : value_(std::move(text)) {}
  SqlValue(const char* text) : value_(std::string(text)) {}
  template <std::integral Integer>
  SqlValue(Integer integer) : value_(static_cast<int64_t>(integer)) {}
  SqlValue(const std::optional<std::string>& text) {
    if (text) value_ = *text;
  }

  bool is_null() const { return std::holds_alternative<std::monostate>(value_); }
  const std::string* text() const { return std::get_if<std::string>(&value_); }
  const int64_t* integer() const { return std::get_if<int64_t>(&value_); }
  // The value as text (an integer in decimal); "" for NULL.
  std::string as_text() const;

 private:
  std::variant<std::monostate, std::string, int64_t> value_;
};

using SqlParams = std::vector<SqlValue>;

// One row of a result, read by column (0 first). Valid only during the callback it is passed to;
// not thread-safe. text() of NULL is "", integer() of NULL 0.
class SqlRow {
 public:
  virtual bool is_null(int column) const = 0;
  virtual std::string text(int column) const = 0;
  virtual int64_t integer(int column) const = 0;
  std::optional<std::string> optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return text(column);
  }

 protected:
  ~SqlRow() = default;
};

using RowVisitor = std::function<void(const SqlRow&)>;

// An open connection to one instance database, its schema current. Not thread-safe: the storage
// on top serializes its calls. Every failure throws StorageError (SqliteError for SQLite).
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  virtual const SqlDialect& dialect() const = 0;
  // "sqlite:<path>" or "postgres://user@host:port/db" (never a password).
  virtual std::string describe() const = 0;
  // Runs one statement (written with ?N parameters) with `params`, passing each result row to
  // `row` (may be empty); returns how many rows it inserted, updated or deleted (0 for a SELECT).
  // A failure's message starts with `what`.
  virtual int64_t run(const std::string& sql, const SqlParams& params, const RowVisitor& row,
                      const std::string& what) = 0;
  // Runs parameterless statements (transaction control, locks).
  virtual void exec(const std::string& sql) = 0;
  virtual void exec_noexcept(const std::string& sql) noexcept = 0;
  // Inserts `rows` into event_logs inside the caller's transaction, in order; returns their ids
  // (increasing). With `row_by_row`, a row the database refuses is written in a form it accepts
  // (replacing it in `rows`) instead of failing the batch, where the backend can (see below).
  virtual std::vector<int64_t> insert_events(std::vector<EventRow>& rows, bool row_by_row) = 0;
  // Whether a batch of events that failed is worth writing again row_by_row (the connection is up
  // and the backend may refuse single rows, as PostgreSQL's database encoding can).
  virtual bool retry_events_row_by_row() = 0;
};

}  // namespace strata::storage_detail
