#include "strata/duckdb/duckdb_io_manager.hpp"

#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "strata/core/error.hpp"

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

// The rows of `scope` in a table partitioned by `column`: a time window, or the listed keys.
std::string partition_predicate(const std::string& column, const PartitionScope& scope) {
  if (scope.window) {
    return quote_identifier(column) + " >= " + timestamp_literal(scope.window->start) + " AND " +
           quote_identifier(column) + " < " + timestamp_literal(scope.window->end);
  }
  std::string list;
  for (const auto& key : scope.keys) list += (list.empty() ? "" : ", ") + quote_literal(key);
  return quote_identifier(column) + " IN (" + list + ")";
}

std::string partition_column(const Metadata& metadata, const std::string& owner) {
  const MetadataValue* expr = metadata.find("partition_expr");
  if (expr == nullptr) {
    throw ConfigError(owner +
                      " is partitioned: give the DuckDB I/O manager its partition column as definition "
                      "metadata {\"partition_expr\", \"<column>\"}");
  }
  return expr->as_text();
}

std::string columns_of(const InputContext& context) {
  const MetadataValue* columns = context.metadata().find("columns");
  if (columns == nullptr) return "*";
  std::string out;
  for (const auto& name : nlohmann::json::parse(columns->as_text()).get<std::vector<std::string>>()) {
    out += (out.empty() ? "" : ", ") + quote_identifier(name);
  }
  return out.empty() ? "*" : out;
}

}  // namespace

DuckDBIOManager::DuckDBIOManager(DuckDBOptions options)
    : database(std::move(options.database)),
      schema(std::move(options.schema)),
      lock_timeout_seconds(options.lock_timeout_seconds) {}

void DuckDBIOManager::validate_config() const {
  if (database.empty()) throw ConfigError("field 'database' must name a DuckDB file (or \":memory:\")");
  if (schema.empty()) throw ConfigError("field 'schema' must not be empty");
  if (lock_timeout_seconds < 0) throw ConfigError("field 'lock_timeout_seconds' must not be negative");
}

bool DuckDBIOManager::can_handle(const TypeInfo& type) const {
  return type == type_of<ArrowTable>() || type == type_of<ArrowReader>();
}

bool DuckDBIOManager::can_load(const TypeInfo& type) const { return type == type_of<ArrowTable>(); }

// The open database and the write transactions waiting for publish_output (or discard_output).
struct DuckDBIOManager::State {
  struct PendingWrite {
    std::unique_lock<std::mutex> turn;  // the database's write turn, held until commit or rollback
    std::unique_ptr<DuckDBConnection> con;
  };
  std::shared_ptr<DuckDBDatabase> database;
  std::string catalog;  // the database's catalog name: every statement names catalog.schema.table
  std::mutex mutex;
  std::map<const OutputContext*, PendingWrite> pending;

  // The pending write of `context`, removed from `pending` (an empty one when there is none).
  PendingWrite take(const OutputContext& context) {
    std::lock_guard lock(mutex);
    auto it = pending.find(&context);
    if (it == pending.end()) return {};
    PendingWrite write = std::move(it->second);
    pending.erase(it);
    return write;
  }
};

namespace {

void rollback(DuckDBConnection& con) noexcept {
  try {
    con.execute("ROLLBACK");
  } catch (const std::exception&) {
  }
}

}  // namespace

void DuckDBIOManager::setup(InitContext& context) { state(&context.log); }

void DuckDBIOManager::teardown() {
  if (state_) {
    std::lock_guard lock(state_->mutex);
    for (auto& [context, write] : state_->pending) rollback(*write.con);
    state_->pending.clear();
  }
  state_.reset();
}

DuckDBIOManager::State& DuckDBIOManager::state(const Logger* log) {
  if (!state_) {
    auto on_wait = [log](const std::string& message) {
      if (log != nullptr) log->warning(message);
    };
    auto state = std::make_shared<State>();
    state->database = DuckDBDatabase::open(database, std::chrono::seconds(lock_timeout_seconds), on_wait);
    // Fully qualified names work whatever the file is called (a file "analytics.duckdb" is the
    // catalog "analytics", which plain "analytics"."t" would make ambiguous with a schema).
    ArrowTable name = DuckDBConnection(state->database).query_arrow("SELECT current_database() AS name");
    state->catalog = std::static_pointer_cast<arrow::StringArray>(name->column(0)->chunk(0))->GetString(0);
    state_ = std::move(state);
  }
  return *state_;
}

std::string DuckDBIOManager::table_for(const AssetKey& key) const {
  const auto& path = key.path();
  std::string table_schema = path.size() > 1 ? path[path.size() - 2] : schema;
  return quote_identifier(table_schema) + "." + quote_identifier(path.back());
}

std::string DuckDBIOManager::storage_name(const AssetKey& key) const {
  const auto& path = key.path();
  std::string name = (path.size() > 1 ? path[path.size() - 2] : schema) + "." + path.back();
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

void DuckDBIOManager::handle_output(OutputContext& context, const Value& value) {
  std::string owner = "asset '" + context.asset_key().to_string() + "'";
  ArrowTable table;
  if (value.holds<ArrowTable>()) {
    table = value.get<ArrowTable>();
  } else if (value.holds<ArrowReader>()) {
    table = check_arrow(value.get<ArrowReader>()->ToTable(), owner + ": reading the record batch stream");
  } else {
    throw StorageError(owner + ": the DuckDB I/O manager stores Arrow tables, not " + value.type().name);
  }
  if (!table) throw StorageError(owner + ": the asset returned a null table");
  State& st = state();
  State::PendingWrite write{std::unique_lock(st.database->write_mutex()),
                            std::make_unique<DuckDBConnection>(st.database)};
  DuckDBConnection& con = *write.con;
  std::string target = quote_identifier(st.catalog) + "." + table_for(context.asset_key());
  const auto& path = context.asset_key().path();
  std::string table_schema = path.size() > 1 ? path[path.size() - 2] : schema;
  static std::atomic<uint64_t> counter{0};
  std::string view = "__strata_incoming_" + std::to_string(counter.fetch_add(1));
  con.execute("BEGIN TRANSACTION");
  try {
    con.register_arrow_view(view, table);  // inside the transaction: it can never outlive it
    con.execute("CREATE SCHEMA IF NOT EXISTS " + quote_identifier(st.catalog) + "." + quote_identifier(table_schema));
    if (context.partition_scope().empty()) {
      con.execute("CREATE OR REPLACE TABLE " + target + " AS SELECT * FROM " + quote_identifier(view));
    } else {
      std::string column = partition_column(context.metadata(), owner);
      con.execute("CREATE TABLE IF NOT EXISTS " + target + " AS SELECT * FROM " + quote_identifier(view) + " LIMIT 0");
      ArrowTable existing = con.query_arrow("SELECT * FROM " + target + " LIMIT 0");
      std::string difference = schema_difference(*existing->schema(), *table->schema());
      if (!difference.empty()) {
        throw StorageError(owner + ": the partition's columns differ from table " + table_for(context.asset_key()) +
                           " (" + difference + ")");
      }
      con.execute("DELETE FROM " + target + " WHERE " + partition_predicate(column, context.partition_scope()));
      con.execute("INSERT INTO " + target + " SELECT * FROM " + quote_identifier(view));
    }
    con.drop_arrow_view(view);
    if (!context.publish_deferred()) con.execute("COMMIT");
  } catch (...) {
    rollback(con);
    throw;
  }
  if (context.publish_deferred()) {
    std::lock_guard lock(st.mutex);
    st.pending[&context] = std::move(write);
  }
  Metadata metadata = table_metadata(*table);
  metadata.set("table", table_schema + "." + path.back());
  metadata.set("database", MetadataValue::path(database));
  context.add_output_metadata(metadata);
}

void DuckDBIOManager::publish_output(OutputContext& context) {
  if (!context.publish_deferred() || !state_) return;
  State::PendingWrite write = state_->take(context);
  if (!write.con) return;
  try {
    write.con->execute("COMMIT");
  } catch (const StorageError& e) {
    rollback(*write.con);
    throw StorageError("asset '" + context.asset_key().to_string() + "': committing table " +
                       table_for(context.asset_key()) + " failed: " + e.what());
  }
}

void DuckDBIOManager::discard_output(OutputContext& context) noexcept {
  if (!state_) return;
  State::PendingWrite write = state_->take(context);
  if (write.con) rollback(*write.con);
}

Value DuckDBIOManager::load_input(InputContext& context) {
  std::string owner = "asset '" + context.asset_key().to_string() + "'";
  State& st = state();
  DuckDBConnection con(st.database);
  const auto& path = context.asset_key().path();
  std::string table_schema = path.size() > 1 ? path[path.size() - 2] : schema;
  int64_t found = con.query_int(
      "SELECT count(*) FROM information_schema.tables WHERE table_catalog = " + quote_literal(st.catalog) +
      " AND table_schema = " + quote_literal(table_schema) + " AND table_name = " + quote_literal(path.back()));
  if (found == 0) {
    throw MissingDataError(owner + ": no table " + table_schema + "." + path.back() + " in DuckDB database '" +
                           database + "' (has it been materialized?)");
  }
  std::string sql =
      "SELECT " + columns_of(context) + " FROM " + quote_identifier(st.catalog) + "." + table_for(context.asset_key());
  if (!context.partition_scope().empty()) {
    const OutputContext* upstream = context.upstream_output();
    const Metadata& definition = upstream ? upstream->metadata() : context.metadata();
    sql += " WHERE " + partition_predicate(partition_column(definition, owner), context.partition_scope());
  }
  return Value::of(con.query_arrow(sql));
}

void DuckDBResource::validate_config() const {
  if (database.empty()) throw ConfigError("field 'database' must name a DuckDB file (or \":memory:\")");
}

std::unique_ptr<DuckDBConnection> DuckDBResource::connect() const {
  return std::make_unique<DuckDBConnection>(DuckDBDatabase::open(database, std::chrono::seconds(lock_timeout_seconds)));
}

}  // namespace strata
