#include "strata/adbc/connection.hpp"

#include <arrow-adbc/adbc.h>
#include <arrow/c/bridge.h>
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>

#include "strata/core/util/error.hpp"

namespace strata::adbc {
namespace {

// Driver messages span lines (PostgreSQL's DETAIL/HINT, Go's wrapped errors): one line for Strata's
// errors, whitespace runs folded into one space.
std::string one_line(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// An AdbcError that releases itself.
struct DriverError {
  AdbcError error = ADBC_ERROR_INIT;
  DriverError() = default;
  DriverError(const DriverError&) = delete;
  DriverError& operator=(const DriverError&) = delete;
  ~DriverError() {
    if (error.release != nullptr) error.release(&error);
  }
  AdbcError* operator&() { return &error; }
  std::string message() const { return error.message != nullptr ? one_line(error.message) : "no message"; }
};

[[noreturn]] void fail(const std::string& where, const std::string& what, AdbcStatusCode status,
                       const DriverError& error) {
  throw StorageError(where + ": " + what + " failed (ADBC status " + std::to_string(status) + "): " + error.message());
}

// A driver's function table, loaded once per library path for the life of the process.
struct LoadedDriver {
  AdbcDriver driver{};
  std::string path;
  Dialect dialect;
};

const LoadedDriver& load_driver(const std::string& path) {
  // Never destroyed (nor unloaded): databases kept until exit still use their driver then.
  static std::mutex mutex;
  static auto& loaded = *new std::map<std::string, std::unique_ptr<LoadedDriver>>();
  std::lock_guard lock(mutex);
  auto& slot = loaded[path];
  if (slot) return *slot;
  // RTLD_LOCAL: drivers bring their own copies of libraries (OpenSSL, libpq, a Go runtime) that must
  // not replace the process's. Never dlclose'd.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    loaded.erase(path);
    throw StorageError("ADBC driver '" + path + "' cannot be loaded: " + one_line(why ? why : "dlopen failed"));
  }
  auto init = reinterpret_cast<AdbcDriverInitFunc>(::dlsym(handle, "AdbcDriverInit"));
  if (init == nullptr) {
    loaded.erase(path);
    throw StorageError("ADBC driver '" + path + "' has no AdbcDriverInit entry point: not an ADBC driver");
  }
  auto driver = std::make_unique<LoadedDriver>();
  driver->path = path;
  DriverError error;
  AdbcStatusCode status = init(ADBC_VERSION_1_1_0, &driver->driver, &error);
  if (status != ADBC_STATUS_OK) {
    loaded.erase(path);
    fail("ADBC driver '" + path + "'", "initializing the driver (ADBC API 1.1.0)", status, error);
  }
  std::string file = std::filesystem::path(path).filename().string();
  if (file.find("snowflake") != std::string::npos) {
    driver->dialect.backslash_escapes = true;
    driver->dialect.transactional_ddl = false;
  }
  if (file.find("postgresql") != std::string::npos) driver->dialect.max_identifier_bytes = 63;
  slot = std::move(driver);
  return *slot;
}

std::string known_driver(const std::string& name) {
#ifdef STRATA_ADBC_POSTGRESQL_DRIVER
  if (name == "postgresql") return STRATA_ADBC_POSTGRESQL_DRIVER;
#endif
#ifdef STRATA_ADBC_SNOWFLAKE_DRIVER
  if (name == "snowflake") return STRATA_ADBC_SNOWFLAKE_DRIVER;
#endif
  (void)name;
  return "";
}

const char* mode_option(IngestMode mode) {
  switch (mode) {
    case IngestMode::create:
      return ADBC_INGEST_OPTION_MODE_CREATE;
    case IngestMode::append:
      return ADBC_INGEST_OPTION_MODE_APPEND;
    case IngestMode::replace:
      return ADBC_INGEST_OPTION_MODE_REPLACE;
    case IngestMode::create_append:
      break;
  }
  return ADBC_INGEST_OPTION_MODE_CREATE_APPEND;
}

}  // namespace

std::string driver_library(const std::string& driver) {
  if (driver.empty()) throw ConfigError("the ADBC driver is empty: give a name (\"postgresql\") or a library path");
  if (driver.find('/') != std::string::npos) return driver;
  std::string file = "libadbc_driver_" + driver + ".so";
  if (const char* dirs = std::getenv("STRATA_ADBC_DRIVER_DIR")) {
    std::stringstream list(dirs);
    for (std::string dir; std::getline(list, dir, ':');) {
      if (!dir.empty() && std::filesystem::exists(std::filesystem::path(dir) / file)) {
        return (std::filesystem::path(dir) / file).string();
      }
    }
  }
  std::string pinned = known_driver(driver);
  if (!pinned.empty() && std::filesystem::exists(pinned)) return pinned;
  return file;  // the dynamic loader's search path (LD_LIBRARY_PATH, ld.so.cache)
}

struct Database::Impl {
  const LoadedDriver* driver = nullptr;
  AdbcDatabase database{};
  bool initialized = false;
  std::string description;
  std::mutex connect_mutex;  // connections are created one at a time
};

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Database::~Database() {
  if (impl_->initialized) {
    DriverError error;
    impl_->driver->driver.DatabaseRelease(&impl_->database, &error);
  }
}

std::shared_ptr<Database> Database::open(const std::string& driver,
                                         const std::vector<std::pair<std::string, std::string>>& options,
                                         std::string description) {
  auto impl = std::make_unique<Impl>();
  impl->description = std::move(description);
  impl->driver = &load_driver(driver_library(driver));
  const AdbcDriver& d = impl->driver->driver;
  const std::string& where = impl->description;
  DriverError error;
  AdbcStatusCode status = d.DatabaseNew(&impl->database, &error);
  if (status != ADBC_STATUS_OK) fail(where, "creating the database", status, error);
  auto release = [&] {
    DriverError ignored;
    d.DatabaseRelease(&impl->database, &ignored);
  };
  for (const auto& [key, value] : options) {
    status = d.DatabaseSetOption(&impl->database, key.c_str(), value.c_str(), &error);
    if (status != ADBC_STATUS_OK) {
      release();
      fail(where, "setting option '" + key + "'", status, error);
    }
  }
  status = d.DatabaseInit(&impl->database, &error);
  if (status != ADBC_STATUS_OK) {
    release();
    fail(where, "opening the database", status, error);
  }
  impl->initialized = true;
  return std::shared_ptr<Database>(new Database(std::move(impl)));
}

std::shared_ptr<Database> Database::shared(const std::string& driver,
                                           const std::vector<std::pair<std::string, std::string>>& options,
                                           const std::string& description) {
  // Never destroyed: released at exit, a database would call into drivers whose own static state
  // may already be gone.
  static std::mutex mutex;
  static auto& open_databases = *new std::map<std::string, std::shared_ptr<Database>>();
  std::string key = driver_library(driver) + '\0' + description;
  for (const auto& [name, value] : options) key += '\0' + name + '\0' + value;
  std::lock_guard lock(mutex);
  auto& slot = open_databases[key];
  if (!slot) slot = open(driver, options, description);
  return slot;
}

const std::string& Database::description() const { return impl_->description; }
const Dialect& Database::dialect() const { return impl_->driver->dialect; }

struct Connection::Impl {
  const AdbcDriver* d = nullptr;
  std::string where;
  AdbcConnection connection{};
  bool in_transaction = false;

  void check(AdbcStatusCode status, const std::string& what, const DriverError& error) const {
    if (status != ADBC_STATUS_OK) fail(where, what, status, error);
  }
  void set_autocommit(bool on) {
    DriverError error;
    check(d->ConnectionSetOption(&connection, ADBC_CONNECTION_OPTION_AUTOCOMMIT,
                                 on ? ADBC_OPTION_VALUE_ENABLED : ADBC_OPTION_VALUE_DISABLED, &error),
          on ? "ending the transaction" : "starting a transaction", error);
  }
};

namespace {

// A statement of one connection, released when it goes out of scope.
class Statement {
 public:
  Statement(const AdbcDriver& d, AdbcConnection& connection, const std::string& where) : d_(d), where_(where) {
    DriverError error;
    AdbcStatusCode status = d_.StatementNew(&connection, &statement_, &error);
    if (status != ADBC_STATUS_OK) fail(where_, "creating a statement", status, error);
  }
  ~Statement() {
    DriverError error;
    d_.StatementRelease(&statement_, &error);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void check(AdbcStatusCode status, const std::string& what, const DriverError& error) const {
    if (status != ADBC_STATUS_OK) fail(where_, what, status, error);
  }
  void set_sql(const std::string& sql) {
    DriverError error;
    check(d_.StatementSetSqlQuery(&statement_, sql.c_str(), &error), "preparing SQL", error);
  }
  void set_option(const char* key, const std::string& value) {
    DriverError error;
    check(d_.StatementSetOption(&statement_, key, value.c_str(), &error), std::string("setting ") + key, error);
  }
  AdbcStatement* get() { return &statement_; }
  const AdbcDriver& driver() const { return d_; }

 private:
  const AdbcDriver& d_;
  const std::string& where_;
  AdbcStatement statement_{};
};

std::string shortened(const std::string& sql) { return sql.size() > 200 ? sql.substr(0, 200) + "..." : sql; }

}  // namespace

Connection::Connection(std::shared_ptr<Database> database)
    : database_(std::move(database)), impl_(std::make_unique<Impl>()) {
  Database::Impl& db = *database_->impl_;
  impl_->d = &db.driver->driver;
  impl_->where = db.description;
  std::lock_guard lock(db.connect_mutex);
  DriverError error;
  impl_->check(impl_->d->ConnectionNew(&impl_->connection, &error), "creating a connection", error);
  AdbcStatusCode status = impl_->d->ConnectionInit(&impl_->connection, &db.database, &error);
  if (status != ADBC_STATUS_OK) {
    DriverError ignored;
    impl_->d->ConnectionRelease(&impl_->connection, &ignored);
    fail(impl_->where, "connecting", status, error);
  }
}

Connection::~Connection() {
  rollback();
  DriverError error;
  impl_->d->ConnectionRelease(&impl_->connection, &error);
}

void Connection::execute(const std::string& sql) {
  Statement statement(*impl_->d, impl_->connection, impl_->where);
  statement.set_sql(sql);
  DriverError error;
  int64_t affected = -1;
  statement.check(impl_->d->StatementExecuteQuery(statement.get(), nullptr, &affected, &error),
                  "running `" + shortened(sql) + "`", error);
}

ArrowTable Connection::query(const std::string& sql) {
  Statement statement(*impl_->d, impl_->connection, impl_->where);
  statement.set_sql(sql);
  DriverError error;
  ArrowArrayStream stream{};
  int64_t affected = -1;
  std::string what = "running `" + shortened(sql) + "`";
  statement.check(impl_->d->StatementExecuteQuery(statement.get(), &stream, &affected, &error), what, error);
  // The stream is read to the end and released before the statement is.
  ArrowReader reader = check_arrow(arrow::ImportRecordBatchReader(&stream), impl_->where + ": " + what);
  ArrowTable table = check_arrow(reader->ToTable(), impl_->where + ": reading the result of `" + shortened(sql) + "`");
  reader.reset();
  return table;
}

int64_t Connection::ingest(const ArrowReader& rows, const std::string& db_schema, const std::string& table,
                           IngestMode mode) {
  Statement statement(*impl_->d, impl_->connection, impl_->where);
  statement.set_option(ADBC_INGEST_OPTION_TARGET_TABLE, table);
  if (!db_schema.empty()) statement.set_option(ADBC_INGEST_OPTION_TARGET_DB_SCHEMA, db_schema);
  statement.set_option(ADBC_INGEST_OPTION_MODE, mode_option(mode));
  std::string what = "bulk ingest into " + quote_identifier(db_schema) + "." + quote_identifier(table);
  ArrowArrayStream stream{};
  check_arrow(arrow::ExportRecordBatchReader(rows, &stream), impl_->where + ": " + what);
  DriverError error;
  AdbcStatusCode status = impl_->d->StatementBindStream(statement.get(), &stream, &error);
  if (status != ADBC_STATUS_OK) {
    if (stream.release != nullptr) stream.release(&stream);
    fail(impl_->where, what, status, error);
  }
  int64_t written = -1;
  statement.check(impl_->d->StatementExecuteQuery(statement.get(), nullptr, &written, &error), what, error);
  return written;
}

std::shared_ptr<arrow::Schema> Connection::table_schema(const std::string& db_schema, const std::string& table) {
  ArrowSchema schema{};
  DriverError error;
  AdbcStatusCode status = impl_->d->ConnectionGetTableSchema(
      &impl_->connection, nullptr, db_schema.empty() ? nullptr : db_schema.c_str(), table.c_str(), &schema, &error);
  if (status == ADBC_STATUS_NOT_FOUND) return nullptr;
  impl_->check(status, "reading the schema of " + quote_identifier(db_schema) + "." + quote_identifier(table), error);
  return check_arrow(arrow::ImportSchema(&schema), impl_->where + ": importing the schema of " + table);
}

void Connection::begin() {
  if (impl_->in_transaction) return;
  impl_->set_autocommit(false);
  impl_->in_transaction = true;
}

void Connection::commit() {
  if (!impl_->in_transaction) return;
  DriverError error;
  impl_->check(impl_->d->ConnectionCommit(&impl_->connection, &error), "committing", error);
  impl_->in_transaction = false;
  impl_->set_autocommit(true);
}

void Connection::rollback() noexcept {
  if (!impl_->in_transaction) return;
  impl_->in_transaction = false;
  DriverError error;
  impl_->d->ConnectionRollback(&impl_->connection, &error);
  try {
    impl_->set_autocommit(true);
  } catch (const std::exception&) {
  }
}

std::string quote_identifier(const std::string& name) {
  if (name.find('\0') != std::string::npos) throw StorageError("an SQL identifier cannot hold a NUL byte");
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string quote_literal(const std::string& text, const Dialect& dialect) {
  if (text.find('\0') != std::string::npos) throw StorageError("an SQL string literal cannot hold a NUL byte");
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'' || (c == '\\' && dialect.backslash_escapes)) out += c;
  }
  return out + "'";
}

}  // namespace strata::adbc
