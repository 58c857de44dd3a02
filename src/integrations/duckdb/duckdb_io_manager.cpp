#include "strata/duckdb/duckdb_io_manager.hpp"

#include <arrow/api.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "strata/core/partitions/sql_partitions.hpp"
#include "strata/core/util/error.hpp"

namespace strata {
namespace {

// The rows of `scope` in a table partitioned by `column`: a time window, or the listed keys.
std::string partition_predicate(const std::string& column, const PartitionScope& scope) {
  return sql_partition_predicate(quote_identifier(column), scope, quote_literal);
}

std::string partition_column(const Metadata& metadata, const std::string& owner) {
  return sql_partition_column(metadata, owner, "DuckDB");
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

// A write staged in its own table, committed before the materialization is recorded and applied
// to the asset's table after it (publish_output) — or, when the process died in between, by the next
// manager to open the database, if the instance recorded it. Kept as JSON in the staging table's
// comment, so that the write can be redone from the database alone.
struct DuckDBIOManager::StagedWrite {
  std::string asset;                                  // the asset key, as "a/b"
  std::string run_id;                                 // the run that staged it
  int64_t pid = 0;                                    // the process that staged it
  std::string schema;                                 // of the asset's table
  std::string table;                                  // the asset's table
  std::string staged;                                 // the staging table, in the same schema
  std::vector<std::string> partitions;                // empty: the whole table is replaced
  std::string column;                                 // the partition column
  std::optional<std::pair<int64_t, int64_t>> window;  // seconds since the epoch

  PartitionScope scope() const {
    PartitionScope out{partitions, std::nullopt};
    if (window) {
      out.window = TimeWindow{std::chrono::sys_seconds(std::chrono::seconds(window->first)),
                              std::chrono::sys_seconds(std::chrono::seconds(window->second))};
    }
    return out;
  }
  std::string to_json() const {
    nlohmann::json doc = {{"strata_staged_write", 1}, {"asset", asset}, {"run_id", run_id},         {"pid", pid},
                          {"schema", schema},         {"table", table}, {"partitions", partitions}, {"column", column}};
    if (window) doc["window"] = {window->first, window->second};
    return doc.dump();
  }
  static std::optional<StagedWrite> from_json(const std::string& text, const std::string& staged) {
    try {
      auto doc = nlohmann::json::parse(text);
      StagedWrite write;
      write.asset = doc.at("asset").get<std::string>();
      write.run_id = doc.at("run_id").get<std::string>();
      write.pid = doc.at("pid").get<int64_t>();
      write.schema = doc.at("schema").get<std::string>();
      write.table = doc.at("table").get<std::string>();
      write.partitions = doc.at("partitions").get<std::vector<std::string>>();
      write.column = doc.at("column").get<std::string>();
      if (doc.contains("window")) write.window = {doc["window"][0].get<int64_t>(), doc["window"][1].get<int64_t>()};
      write.staged = staged;
      return write;
    } catch (const nlohmann::json::exception&) {
      return std::nullopt;
    }
  }
};

// The open database and the staged writes waiting for publish_output (or discard_output).
struct DuckDBIOManager::State {
  struct PendingWrite {
    std::unique_lock<std::mutex> turn;  // the database's write turn, held until published or discarded
    std::optional<StagedWrite> write;
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
  std::string qualified(const std::string& schema, const std::string& table) const {
    return quote_identifier(catalog) + "." + quote_identifier(schema) + "." + quote_identifier(table);
  }
};

namespace {

void rollback(DuckDBConnection& con) noexcept {
  try {
    con.execute("ROLLBACK");
  } catch (const std::exception&) {
  }
}

// Runs `statements` in one transaction on `con`; rolls back and rethrows on failure.
template <class F>
void in_transaction(DuckDBConnection& con, F&& statements) {
  con.execute("BEGIN TRANSACTION");
  try {
    statements();
    con.execute("COMMIT");
  } catch (...) {
    rollback(con);
    throw;
  }
}

constexpr const char* kStagedPrefix = "__strata_staged_";

// The values of a text column of a query result, in row order.
std::vector<std::string> strings_of(const arrow::Table& table, int column) {
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(table.num_rows()));
  for (const auto& chunk : table.column(column)->chunks()) {
    const auto& strings = static_cast<const arrow::StringArray&>(*chunk);
    for (int64_t i = 0; i < strings.length(); ++i) out.push_back(strings.GetString(i));
  }
  return out;
}

}  // namespace

// Makes a staged write what readers load, in one transaction, and drops the staging table.
void DuckDBIOManager::apply_staged(const StagedWrite& write) {
  State& st = *state_;
  DuckDBConnection con(st.database);
  std::string target = st.qualified(write.schema, write.table);
  std::string staged = st.qualified(write.schema, write.staged);
  in_transaction(con, [&] {
    if (write.partitions.empty()) {
      con.execute("DROP TABLE IF EXISTS " + target);
      con.execute("ALTER TABLE " + staged + " RENAME TO " + quote_identifier(write.table));
      con.execute("COMMENT ON TABLE " + target + " IS NULL");
    } else {
      con.execute("CREATE TABLE IF NOT EXISTS " + target + " AS SELECT * FROM " + staged + " LIMIT 0");
      con.execute("DELETE FROM " + target + " WHERE " + partition_predicate(write.column, write.scope()));
      con.execute("INSERT INTO " + target + " SELECT * FROM " + staged);
      con.execute("DROP TABLE " + staged);
    }
  });
}

void DuckDBIOManager::drop_staged(const StagedWrite& write) noexcept {
  try {
    DuckDBConnection(state_->database).execute("DROP TABLE IF EXISTS " + state_->qualified(write.schema, write.staged));
  } catch (const std::exception&) {
  }
}

// Staged writes of processes that are gone (DuckDB lets one process at a time open the file): applied
// when the instance recorded them as the latest materialization, dropped otherwise.
void DuckDBIOManager::recover_staged(InitContext& context) {
  if (!context.latest_materialization_run) return;
  State& st = *state_;
  ArrowTable found =
      DuckDBConnection(st.database)
          .query_arrow(
              "SELECT table_name, coalesce(comment, '') AS comment FROM duckdb_tables() "
              "WHERE database_name = " +
              quote_literal(st.catalog) + " AND starts_with(table_name, " + quote_literal(kStagedPrefix) + ")");
  std::vector<std::string> names = strings_of(*found, 0);
  std::vector<std::string> comments = strings_of(*found, 1);
  for (size_t row = 0; row < names.size(); ++row) {
    auto write = StagedWrite::from_json(comments[row], names[row]);
    if (!write || write->pid == ::getpid()) continue;
    bool recorded = true;
    std::vector<std::optional<std::string>> partitions(write->partitions.begin(), write->partitions.end());
    if (partitions.empty()) partitions.push_back(std::nullopt);
    for (const auto& partition : partitions) {
      recorded = recorded && context.latest_materialization_run(AssetKey(write->asset), partition) == write->run_id;
    }
    std::unique_lock turn(st.database->write_mutex());
    if (recorded) {
      apply_staged(*write);
      context.log.info("DuckDB: completed the write of asset '" + write->asset + "' that run " + write->run_id +
                       " recorded before its process died");
    } else {
      drop_staged(*write);
    }
  }
}

void DuckDBIOManager::setup(InitContext& context) {
  state(&context.log);
  recover_staged(context);
}

void DuckDBIOManager::teardown() {
  if (state_) {
    std::lock_guard lock(state_->mutex);
    for (auto& [context, pending] : state_->pending) {
      if (pending.write) drop_staged(*pending.write);
    }
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
    state->catalog = strings_of(*name, 0).at(0);
    state_ = std::move(state);
  }
  return *state_;
}

std::string DuckDBIOManager::schema_for(const AssetKey& key) const {
  const auto& path = key.path();
  return path.size() > 1 ? path[path.size() - 2] : schema;
}

std::string DuckDBIOManager::table_for(const AssetKey& key) const {
  return quote_identifier(schema_for(key)) + "." + quote_identifier(key.path().back());
}

std::string DuckDBIOManager::storage_name(const AssetKey& key) const {
  const auto& path = key.path();
  std::string name = schema_for(key) + "." + path.back();
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

void DuckDBIOManager::handle_output(OutputContext& context, const Value& value) {
  std::string owner = "asset '" + context.asset_key().to_string() + "'";
  ArrowTable table = arrow_table_of(value, owner, "DuckDB");
  State& st = state();
  std::unique_lock turn(st.database->write_mutex());
  DuckDBConnection con(st.database);
  std::string target = quote_identifier(st.catalog) + "." + table_for(context.asset_key());
  const auto& path = context.asset_key().path();
  std::string table_schema = schema_for(context.asset_key());
  const PartitionScope& scope = context.partition_scope();
  std::string column = scope.empty() ? "" : partition_column(context.metadata(), owner);
  static std::atomic<uint64_t> counter{0};
  std::string view = "__strata_incoming_" + std::to_string(counter.fetch_add(1));
  // Staged: the new rows are committed to a staging table now (the heavy part) and applied to the
  // asset's table by publish_output, after the materialization is recorded.
  std::optional<StagedWrite> staged;
  if (context.publish_deferred()) {
    staged = StagedWrite{context.asset_key().to_string(),
                         context.run_id(),
                         ::getpid(),
                         table_schema,
                         path.back(),
                         kStagedPrefix + context.run_id() + "__" + path.back(),
                         scope.keys,
                         column,
                         std::nullopt};
    if (scope.window) {
      staged->window = {scope.window->start.time_since_epoch().count(), scope.window->end.time_since_epoch().count()};
    }
  }
  in_transaction(con, [&] {
    con.register_arrow_view(view, table);  // inside the transaction: it can never outlive it
    con.execute("CREATE SCHEMA IF NOT EXISTS " + quote_identifier(st.catalog) + "." + quote_identifier(table_schema));
    if (!scope.empty()) {
      con.execute("CREATE TABLE IF NOT EXISTS " + target + " AS SELECT * FROM " + quote_identifier(view) + " LIMIT 0");
      ArrowTable existing = con.query_arrow("SELECT * FROM " + target + " LIMIT 0");
      std::string difference = schema_difference(*existing->schema(), *table->schema());
      if (!difference.empty()) {
        throw StorageError(owner + ": the partition's columns differ from table " + table_for(context.asset_key()) +
                           " (" + difference + ")");
      }
    }
    if (staged) {
      std::string staging = st.qualified(table_schema, staged->staged);
      con.execute("CREATE OR REPLACE TABLE " + staging + " AS SELECT * FROM " + quote_identifier(view));
      con.execute("COMMENT ON TABLE " + staging + " IS " + quote_literal(staged->to_json()));
    } else if (scope.empty()) {
      con.execute("CREATE OR REPLACE TABLE " + target + " AS SELECT * FROM " + quote_identifier(view));
    } else {
      con.execute("DELETE FROM " + target + " WHERE " + partition_predicate(column, scope));
      con.execute("INSERT INTO " + target + " SELECT * FROM " + quote_identifier(view));
    }
    con.drop_arrow_view(view);
  });
  if (staged) {
    std::lock_guard lock(st.mutex);
    st.pending[&context] = State::PendingWrite{std::move(turn), std::move(staged)};
  }
  Metadata metadata = table_metadata(*table);
  metadata.set("table", table_schema + "." + path.back());
  metadata.set("database", MetadataValue::path(database));
  context.add_output_metadata(metadata);
}

void DuckDBIOManager::publish_output(OutputContext& context) {
  if (!context.publish_deferred() || !state_) return;
  State::PendingWrite pending = state_->take(context);
  if (!pending.write) return;
  try {
    apply_staged(*pending.write);
  } catch (const StorageError& e) {
    drop_staged(*pending.write);
    throw StorageError("asset '" + context.asset_key().to_string() + "': publishing table " +
                       table_for(context.asset_key()) + " failed: " + e.what());
  }
}

void DuckDBIOManager::discard_output(OutputContext& context) noexcept {
  if (!state_) return;
  State::PendingWrite pending = state_->take(context);
  if (pending.write) drop_staged(*pending.write);
}

Value DuckDBIOManager::load_input(InputContext& context) {
  std::string owner = "asset '" + context.asset_key().to_string() + "'";
  State& st = state();
  DuckDBConnection con(st.database);
  const auto& path = context.asset_key().path();
  std::string table_schema = schema_for(context.asset_key());
  int64_t found = con.query_int(
      "SELECT count(*) FROM information_schema.tables WHERE table_catalog = " + quote_literal(st.catalog) +
      " AND table_schema = " + quote_literal(table_schema) + " AND table_name = " + quote_literal(path.back()));
  if (found == 0) {
    throw MissingDataError(owner + ": no table " + table_schema + "." + path.back() + " in DuckDB database '" +
                           database + "' (has it been materialized?)");
  }
  std::string sql = "SELECT " + sql_select_list(context.metadata(), quote_identifier) + " FROM " +
                    quote_identifier(st.catalog) + "." + table_for(context.asset_key());
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
