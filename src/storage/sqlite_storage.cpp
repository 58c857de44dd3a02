// The SQLite backend: one connection per Storage object (guarded by a mutex), WAL journal so
// readers never block the writer, BEGIN IMMEDIATE + busy timeout so concurrent writers from other
// processes wait their turn, synchronous=FULL so a committed batch survives a crash. A failure is
// worded by its cause (sqlite_failure.hpp); when the file cannot be written (full disk, read-only
// file system...), it is opened read-only instead, so that what is stored stays readable.
#include <sqlite3.h>

#include <map>
#include <memory>

#include "sql_storage.hpp"
#include "strata/core/util/error.hpp"
#include "strata/storage/backends.hpp"
#include "strata/storage/sqlite_failure.hpp"

namespace strata {
namespace {

using storage_detail::EventRow;
using storage_detail::SqlParams;
using storage_detail::SqlRow;
using storage_detail::SqlValue;

// An open connection and what its errors need: the file's path and, when the file was opened
// read-only because writing it failed, that failure (what every write then reports).
struct Connection {
  sqlite3* db = nullptr;
  std::filesystem::path path;
  std::optional<SqliteError> read_only_because;

  // Throws the failure of the last call on `db` (`rc` when there is no handle), worded by its cause.
  [[noreturn]] void fail(int rc, const std::string& context = "") const {
    int code = db ? sqlite3_extended_errcode(db) : rc;
    if ((code & 0xFF) == SQLITE_READONLY && read_only_because) {
      throw SqliteError(read_only_because->kind(), context + read_only_because->what());
    }
    int system_errno = db ? sqlite3_system_errno(db) : 0;
    if (system_errno == 0 && ((code & 0xFF) == SQLITE_READONLY || (code & 0xFF) == SQLITE_IOERR)) {
      system_errno = write_failure_errno(path.string());  // SQLite lost (or never had) the OS's reason
    }
    SqliteFailureKind kind = classify_sqlite_failure(code, system_errno);
    throw SqliteError(
        kind, context + sqlite_failure_message(kind, path.string(), db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
};

class Statement final : public SqlRow {
 public:
  Statement(const Connection& connection, const std::string& sql) : connection_(connection) {
    int rc = sqlite3_prepare_v3(connection.db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) connection.fail(rc);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int index, const SqlValue& value) {
    if (const std::string* text = value.text()) {
      check(sqlite3_bind_text(stmt_, index, text->data(), static_cast<int>(text->size()), SQLITE_TRANSIENT));
    } else if (const int64_t* integer = value.integer()) {
      check(sqlite3_bind_int64(stmt_, index, *integer));
    } else {
      check(sqlite3_bind_null(stmt_, index));
    }
  }
  // Steps once: true when a row is available.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    connection_.fail(rc);
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  bool read_only() const { return sqlite3_stmt_readonly(stmt_) != 0; }
  bool is_null(int column) const override { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  int64_t integer(int column) const override { return sqlite3_column_int64(stmt_, column); }
  std::string text(int column) const override {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return data ? std::string(data, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) connection_.fail(rc);
  }
  const Connection& connection_;
  sqlite3_stmt* stmt_ = nullptr;
};

// The SQLite database of an instance, as sql_storage.cpp runs its statements on it.
class SqliteConnection final : public storage_detail::SqlConnection {
 public:
  explicit SqliteConnection(const std::filesystem::path& path) : path_(path) {
    conn_.path = path;
    try {
      connect(path.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
      // Reading the catalog first: a corrupted or foreign file fails here, before anything is written.
      probe();
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=FULL");
      exec("PRAGMA foreign_keys=ON");
      ensure_schema();
    } catch (const SqliteError& e) {
      disconnect();
      if (!blocks_only_writing(e.kind())) throw;
      open_read_only(e);
    } catch (...) {
      disconnect();
      throw;
    }
  }
  ~SqliteConnection() override { disconnect(); }

  const storage_detail::SqlDialect& dialect() const override { return storage_detail::kSqliteDialect; }
  std::string describe() const override { return "sqlite:" + path_.string(); }

  int64_t run(const std::string& sql, const SqlParams& params, const storage_detail::RowVisitor& row,
              const std::string& what) override {
    Statement* statement = nullptr;
    try {
      statement = &prepared(sql);
      for (size_t i = 0; i < params.size(); ++i) statement->bind(static_cast<int>(i + 1), params[i]);
      while (statement->step()) {
        if (row) row(*statement);
      }
      int64_t changed = statement->read_only() ? 0 : sqlite3_changes(conn_.db);
      statement->reset();
      return changed;
    } catch (const SqliteError& e) {
      if (statement) statement->reset();
      throw SqliteError(e.kind(), what + ": " + e.what());
    } catch (...) {
      if (statement) statement->reset();
      throw;
    }
  }

  void exec(const std::string& sql) override {
    int rc = sqlite3_exec(conn_.db, sql.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) conn_.fail(rc);
  }
  void exec_noexcept(const std::string& sql) noexcept override {
    sqlite3_exec(conn_.db, sql.c_str(), nullptr, nullptr, nullptr);
  }

  // One prepared INSERT per row; the rowid is the event's id.
  std::vector<int64_t> insert_events(std::vector<EventRow>& rows, bool /*row_by_row*/) override {
    std::vector<int64_t> ids;
    ids.reserve(rows.size());
    for (const EventRow& row : rows) {
      run("INSERT INTO event_logs(run_id, event_type, step_key, timestamp, level, message, asset_key, name, "
          "partition, metadata, error_type) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
          {row.run_id, row.event_type, row.step_key, row.timestamp_us, row.level, row.message, row.asset_key, row.name,
           row.partition, row.metadata, row.error_type},
          {}, "cannot append events");
      ids.push_back(static_cast<int64_t>(sqlite3_last_insert_rowid(conn_.db)));
    }
    return ids;
  }
  // SQLite stores any well-formed text: a refused batch would be refused row by row too.
  bool retry_events_row_by_row() override { return false; }

 private:
  void connect(const std::string& name, int flags) {
    int rc = sqlite3_open_v2(name.c_str(), &conn_.db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) conn_.fail(rc, "cannot open SQLite database: ");
    sqlite3_busy_timeout(conn_.db, 30'000);
  }

  void disconnect() {
    statements_.clear();  // finalized before the connection closes
    if (conn_.db) sqlite3_close(conn_.db);
    conn_.db = nullptr;
  }

  // Opens the file read-only after `reason` stopped writing it, so that what is stored stays
  // readable (writes then report `reason`). Without a write-ahead log to replay, the file is opened
  // immutable: no -shm file to create or grow (which a full disk refuses), no lock to take. With a
  // log, through SQLite's read-only WAL access. Throws `reason`, extended, when even reading fails.
  void open_read_only(const SqliteError& reason) {
    conn_.read_only_because = reason;
    std::error_code ec;
    uintmax_t log_size = std::filesystem::file_size(path_.string() + "-wal", ec);
    try {
      if (ec || log_size == 0) {
        connect(immutable_uri(path_), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
      } else {
        connect(path_.string(), SQLITE_OPEN_READONLY);
      }
      probe();
      check_schema_read_only();
    } catch (const StorageError& e) {
      disconnect();
      throw SqliteError(reason.kind(), std::string(reason.what()) + " (reading it failed too: " + e.what() + ")");
    }
  }

  static std::string immutable_uri(const std::filesystem::path& path) {
    std::string uri = "file:";
    for (char c : path.string()) {
      if (c == '%' || c == '?' || c == '#') {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
        uri += hex;
      } else {
        uri += c;
      }
    }
    return uri + "?immutable=1";
  }

  void probe() {
    Statement catalog(conn_, "SELECT count(*) FROM sqlite_master");
    catalog.step();
  }

  // What ensure_schema() checks, without writing: a Strata database of this build's schema version.
  void check_schema_read_only() {
    Statement has_version(conn_, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='strata_schema'");
    has_version.step();
    if (has_version.integer(0) == 0) throw StorageError("'" + path_.string() + "' holds no Strata history yet");
    Statement version(conn_, "SELECT MAX(version) FROM strata_schema");
    version.step();
    int64_t found = version.integer(0);
    if (found != Storage::kSchemaVersion) {
      throw StorageError("'" + path_.string() + "' has schema version " + std::to_string(found) + ", and this build (" +
                         std::to_string(Storage::kSchemaVersion) + ") cannot read it without migrating it");
    }
  }

  // The schema version of the database (0: a fresh one). Throws StorageError for a foreign database.
  int64_t found_schema_version() {
    Statement has_version(conn_, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='strata_schema'");
    has_version.step();
    if (has_version.integer(0) != 0) {
      Statement version(conn_, "SELECT MAX(version) FROM strata_schema");
      version.step();
      return version.integer(0);
    }
    Statement tables(conn_, "SELECT count(*) FROM sqlite_master WHERE type='table'");
    tables.step();
    if (tables.integer(0) != 0) {
      throw StorageError("'" + path_.string() +
                         "' is an SQLite database of something else (it has tables but no strata_schema); "
                         "it was left untouched");
    }
    return 0;
  }

  void ensure_schema() {
    exec("BEGIN IMMEDIATE");
    try {
      storage_detail::upgrade_schema(
          storage_detail::Dialect::kSqlite, found_schema_version(), [this](const std::string& sql) { exec(sql); },
          "'" + path_.string() + "'", "The file was left untouched");
      exec("COMMIT");
    } catch (...) {
      exec_noexcept("ROLLBACK");
      throw;
    }
  }

  // Prepared once per connection and reused (hot paths: appends and latest lookups).
  Statement& prepared(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) it = statements_.emplace(sql, std::make_unique<Statement>(conn_, sql)).first;
    it->second->reset();
    return *it->second;
  }

  std::filesystem::path path_;
  Connection conn_;
  std::map<std::string, std::unique_ptr<Statement>> statements_;
};

}  // namespace

std::unique_ptr<Storage> open_sqlite_storage(const std::filesystem::path& path) {
  return storage_detail::make_sql_storage(std::make_unique<SqliteConnection>(path));
}

}  // namespace strata
