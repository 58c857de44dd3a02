#include "strata/duckdb/connection.hpp"

#include <arrow/c/bridge.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "duckdb_library.hpp"
#include "strata/core/util/error.hpp"

namespace strata {
namespace {

const duckdb_api::Library& duck() { return duckdb_api::library(); }

// DuckDB's row group size (rows).
constexpr int64_t kRowsPerBatch = 122'880;

// DuckDB 1.4's duckdb_arrow_scan never releases the schemas it takes from a stream's get_schema.
// This stream hands DuckDB shallow copies of schemas it owns (their release does nothing) and
// frees them itself when it dies, after DuckDB is done with the view.
class OwningSchemaStream {
 public:
  explicit OwningSchemaStream(const ArrowTable& table) {
    // Batches of at most one DuckDB row group: DuckDB's threads take the stream's batches one at a
    // time, so a table built as one chunk of 10M rows would otherwise be scanned by one thread.
    auto reader = std::make_shared<arrow::TableBatchReader>(table);
    reader->set_chunksize(kRowsPerBatch);
    check_arrow(arrow::ExportRecordBatchReader(reader, &inner_), "exporting an Arrow table to DuckDB");
    outer_.get_schema = &get_schema;
    outer_.get_next = [](ArrowArrayStream* s, ArrowArray* out) {
      return self(s)->inner_.get_next(&self(s)->inner_, out);
    };
    outer_.get_last_error = [](ArrowArrayStream* s) { return self(s)->inner_.get_last_error(&self(s)->inner_); };
    outer_.release = [](ArrowArrayStream* s) { s->release = nullptr; };
    outer_.private_data = this;
  }
  ~OwningSchemaStream() {
    for (auto& schema : schemas_) {
      if (schema->release != nullptr) schema->release(schema.get());
    }
    if (inner_.release != nullptr) inner_.release(&inner_);
  }
  OwningSchemaStream(const OwningSchemaStream&) = delete;
  OwningSchemaStream& operator=(const OwningSchemaStream&) = delete;
  ArrowArrayStream* stream() { return &outer_; }

 private:
  static OwningSchemaStream* self(ArrowArrayStream* s) { return static_cast<OwningSchemaStream*>(s->private_data); }
  static int get_schema(ArrowArrayStream* s, ArrowSchema* out) {
    auto owned = std::make_unique<ArrowSchema>();
    int rc = self(s)->inner_.get_schema(&self(s)->inner_, owned.get());
    if (rc != 0) return rc;
    *out = *owned;
    out->release = [](ArrowSchema* schema) { schema->release = nullptr; };
    self(s)->schemas_.push_back(std::move(owned));
    return 0;
  }

  ArrowArrayStream inner_{};
  ArrowArrayStream outer_{};
  std::vector<std::unique_ptr<ArrowSchema>> schemas_;
};

std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::map<std::string, std::weak_ptr<DuckDBDatabase>>& registry() {
  static std::map<std::string, std::weak_ptr<DuckDBDatabase>> databases;
  return databases;
}

}  // namespace

struct DuckDBConnection::ArrowStreams {
  std::map<std::string, std::unique_ptr<OwningSchemaStream>> by_view;
};

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string quote_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

DuckDBDatabase::DuckDBDatabase(std::string path, std::chrono::milliseconds lock_timeout,
                               const std::function<void(const std::string&)>& on_wait)
    : path_(std::move(path)) {
  using Clock = std::chrono::steady_clock;
  const char* file = path_ == ":memory:" ? nullptr : path_.c_str();
  auto start = Clock::now();
  auto backoff = std::chrono::milliseconds(10);
  std::mt19937 jitter(std::random_device{}());
  for (int attempt = 0;; ++attempt) {
    char* error = nullptr;
    duckdb_database db = nullptr;
    if (duck().duckdb_open_ext(file, &db, nullptr, &error) == DuckDBSuccess) {
      db_ = db;
      return;
    }
    std::string message = error ? error : "unknown error";
    duck().duckdb_free(error);
    duck().duckdb_close(&db);
    bool locked = message.find("Could not set lock") != std::string::npos;
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    if (!locked) throw StorageError("cannot open DuckDB database '" + path_ + "': " + message);
    if (waited >= lock_timeout) {
      throw StorageError("DuckDB database '" + path_ + "' is locked by another process; waited " +
                         std::to_string(waited.count() / 1000.0).substr(0, 5) + " s (lock_timeout_seconds) — " +
                         message);
    }
    if (attempt == 0 && on_wait) {
      on_wait("DuckDB database '" + path_ + "' is locked by another process; waiting up to " +
              std::to_string(lock_timeout.count() / 1000) + " s for it");
    }
    // Retry backoff while another process holds the file (not synchronisation): 10 ms doubling to 1 s,
    // with jitter so that waiting processes do not retry in lockstep.
    auto pause = std::min(backoff, lock_timeout - waited);
    std::this_thread::sleep_for(pause / 2 + std::chrono::milliseconds(jitter() % (pause.count() / 2 + 1)));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
  }
}

DuckDBDatabase::~DuckDBDatabase() {
  duckdb_database db = db_;
  duck().duckdb_close(&db);
}

std::shared_ptr<DuckDBDatabase> DuckDBDatabase::open(const std::string& path, std::chrono::milliseconds lock_timeout,
                                                     const std::function<void(const std::string&)>& on_wait) {
  std::lock_guard lock(registry_mutex());
  auto& slot = registry()[path];
  if (auto existing = slot.lock()) return existing;
  std::shared_ptr<DuckDBDatabase> database(new DuckDBDatabase(path, lock_timeout, on_wait));
  slot = database;
  return database;
}

DuckDBConnection::DuckDBConnection(std::shared_ptr<DuckDBDatabase> database)
    : database_(std::move(database)), streams_(std::make_unique<ArrowStreams>()) {
  duckdb_connection con = nullptr;
  if (duck().duckdb_connect(database_->handle(), &con) != DuckDBSuccess) {
    throw StorageError("cannot connect to DuckDB database '" + database_->path() + "'");
  }
  con_ = con;
}

DuckDBConnection::~DuckDBConnection() {
  duckdb_connection con = con_;
  duck().duckdb_disconnect(&con);
}

void DuckDBConnection::execute(const std::string& sql) {
  duckdb_result result;
  if (duck().duckdb_query(con_, sql.c_str(), &result) != DuckDBSuccess) {
    std::string message = duck().duckdb_result_error(&result);
    duck().duckdb_destroy_result(&result);
    throw StorageError("DuckDB '" + database_->path() + "': " + message + " (in: " + sql + ")");
  }
  duck().duckdb_destroy_result(&result);
}

int64_t DuckDBConnection::query_int(const std::string& sql) {
  duckdb_result result;
  if (duck().duckdb_query(con_, sql.c_str(), &result) != DuckDBSuccess) {
    std::string message = duck().duckdb_result_error(&result);
    duck().duckdb_destroy_result(&result);
    throw StorageError("DuckDB '" + database_->path() + "': " + message + " (in: " + sql + ")");
  }
  int64_t value = duck().duckdb_value_int64(&result, 0, 0);
  duck().duckdb_destroy_result(&result);
  return value;
}

ArrowTable DuckDBConnection::query_arrow(const std::string& sql) {
  duckdb_arrow result = nullptr;
  if (duck().duckdb_query_arrow(con_, sql.c_str(), &result) != DuckDBSuccess) {
    std::string message = duck().duckdb_query_arrow_error(result);
    duck().duckdb_destroy_arrow(&result);
    throw StorageError("DuckDB '" + database_->path() + "': " + message + " (in: " + sql + ")");
  }
  struct Guard {
    duckdb_arrow& r;
    ~Guard() { duck().duckdb_destroy_arrow(&r); }
  } guard{result};
  ArrowSchema c_schema{};
  auto* schema_out = &c_schema;
  if (duck().duckdb_query_arrow_schema(result, reinterpret_cast<duckdb_arrow_schema*>(&schema_out)) != DuckDBSuccess) {
    throw StorageError("DuckDB '" + database_->path() + "': cannot export the result schema (in: " + sql + ")");
  }
  auto schema = check_arrow(arrow::ImportSchema(&c_schema), "importing a DuckDB result schema");
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  for (;;) {
    ArrowArray c_array{};
    auto* array_out = &c_array;
    if (duck().duckdb_query_arrow_array(result, reinterpret_cast<duckdb_arrow_array*>(&array_out)) != DuckDBSuccess) {
      throw StorageError("DuckDB '" + database_->path() + "': cannot export result rows (in: " + sql + ")");
    }
    if (c_array.release == nullptr) break;
    if (c_array.length == 0) {
      c_array.release(&c_array);
      break;
    }
    batches.push_back(check_arrow(arrow::ImportRecordBatch(&c_array, schema), "importing DuckDB result rows"));
  }
  return check_arrow(arrow::Table::FromRecordBatches(schema, batches), "assembling a DuckDB result");
}

void DuckDBConnection::register_arrow_view(const std::string& view, const ArrowTable& table) {
  auto stream = std::make_unique<OwningSchemaStream>(table);
  if (duck().duckdb_arrow_scan(con_, view.c_str(), reinterpret_cast<duckdb_arrow_stream>(stream->stream())) !=
      DuckDBSuccess) {
    throw StorageError("DuckDB '" + database_->path() + "': cannot scan an Arrow table as view " + view);
  }
  streams_->by_view[view] = std::move(stream);
}

void DuckDBConnection::drop_arrow_view(const std::string& view) {
  execute("DROP VIEW IF EXISTS " + quote_identifier(view));
  streams_->by_view.erase(view);
}

}  // namespace strata
