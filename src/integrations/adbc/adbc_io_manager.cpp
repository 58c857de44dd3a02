#include "strata/adbc/adbc_io_manager.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>

#include "strata/adbc/connection.hpp"
#include "strata/arrow/table.hpp"
#include "strata/core/config/secret_masking.hpp"
#include "strata/core/partitions/sql_partitions.hpp"
#include "strata/core/util/error.hpp"

namespace strata {
namespace {

using adbc::quote_identifier;

// The rows of `scope` in a table partitioned by `column`: a time window, or the listed keys.
std::string partition_predicate(const std::string& column, const PartitionScope& scope, const adbc::Dialect& dialect) {
  return sql_partition_predicate(quote_identifier(column), scope,
                                 [&](const std::string& text) { return adbc::quote_literal(text, dialect); });
}

std::string partition_column(const Metadata& metadata, const std::string& owner) {
  return sql_partition_column(metadata, owner, "ADBC");
}

// "user:password@account/db" (Snowflake's DSN has no scheme, so URL masking alone misses it) and
// "postgresql://user:password@host/db": the password of the user information replaced by "***".
std::string mask_user_password(const std::string& uri) {
  std::string masked = mask_url_passwords(uri);
  size_t at = masked.find('@');
  if (at == std::string::npos) return masked;
  size_t start = masked.find("://");
  start = (start == std::string::npos || start > at) ? 0 : start + 3;
  size_t colon = masked.find(':', start);
  if (colon == std::string::npos || colon > at) return masked;
  return masked.substr(0, colon + 1) + kMaskedValue + masked.substr(at);
}

std::string names_of(const arrow::Schema& schema) {
  std::string out;
  for (const auto& field : schema.fields()) out += (out.empty() ? "" : ", ") + field->name();
  return out;
}

// The column names of the incoming rows, the same set as the existing table's (in any order), or
// a StorageError naming both.
void check_same_columns(const arrow::Schema& existing, const arrow::Schema& incoming, const std::string& what,
                        const std::string& table) {
  std::set<std::string> a, b;
  for (const auto& field : existing.fields()) a.insert(field->name());
  for (const auto& field : incoming.fields()) b.insert(field->name());
  if (a != b) {
    throw StorageError(what + "'s columns (" + names_of(incoming) + ") differ from table " + table + " (" +
                       names_of(existing) + ")");
  }
}

// "__strata_incoming_<process tag>_<n>": unique across the processes (and machines) writing to one
// database; well within PostgreSQL's 63 bytes.
std::string staging_table_name() {
  static const std::string process_tag = [] {
    std::random_device random;
    char tag[17];
    std::snprintf(tag, sizeof tag, "%08x%08x", random(), random());
    return std::string(tag);
  }();
  static std::atomic<uint64_t> counter{0};
  return "__strata_incoming_" + process_tag + "_" + std::to_string(counter.fetch_add(1));
}

}  // namespace

// The database of one run, opened when first used.
struct AdbcIOManager::State {
  std::mutex mutex;
  std::shared_ptr<adbc::Database> database;
};

AdbcIOManager::AdbcIOManager(AdbcOptions o)
    : driver(std::move(o.driver)),
      uri(std::move(o.uri)),
      options(std::move(o.options)),
      password(std::move(o.password)),
      schema(std::move(o.schema)) {}

void AdbcIOManager::validate_config() const {
  if (driver.empty()) {
    throw ConfigError("field 'driver' must name an ADBC driver (\"postgresql\", \"snowflake\") or its library path");
  }
  if (schema.empty()) throw ConfigError("field 'schema' must not be empty");
  for (const auto& [key, value] : options) {
    if (key == "uri" || key == "password") {
      throw ConfigError("field 'options' must not set '" + key + "': use the field '" + key + "'");
    }
  }
}

bool AdbcIOManager::can_handle(const TypeInfo& type) const {
  return type == type_of<ArrowTable>() || type == type_of<ArrowReader>();
}

bool AdbcIOManager::can_load(const TypeInfo& type) const { return type == type_of<ArrowTable>(); }

std::string AdbcIOManager::describe() const {
  std::string out =
      (resource_key_.empty() ? "" : "resource '" + resource_key_ + "': ") + "ADBC " + driver + " database";
  std::string details;
  if (uri.from_env()) {
    details = "uri EnvVar(" + uri.env_name() + ")";
  } else if (!uri.secret() && !uri.value().empty()) {
    details = "uri " + mask_user_password(uri.value());
  }
  for (const auto& [key, value] : options) {
    details += (details.empty() ? "" : ", ") + key + "=" + (is_secret_name(key) ? kMaskedValue : value);
  }
  return details.empty() ? out : out + " (" + details + ")";
}

void AdbcIOManager::setup(InitContext& context) {
  resource_key_ = context.resource_key;
  state_ = std::make_shared<State>();
}

void AdbcIOManager::teardown() { state_.reset(); }

AdbcIOManager::State& AdbcIOManager::state() {
  if (!state_) {  // used without a run (tests, benchmarks): one caller at a time
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    if (!state_) state_ = std::make_shared<State>();
  }
  State& st = *state_;
  std::lock_guard lock(st.mutex);
  if (!st.database) {
    // In this order: drivers that parse the uri (Snowflake's DSN) reset what it does not say.
    std::vector<std::pair<std::string, std::string>> all;
    if (!uri.value().empty()) all.emplace_back("uri", uri.value());
    all.insert(all.end(), options.begin(), options.end());
    if (!password.value().empty()) all.emplace_back("password", password.value());
    st.database = adbc::Database::shared(driver, all, describe());
  }
  return st;
}

std::string AdbcIOManager::schema_for(const AssetKey& key) const {
  const auto& path = key.path();
  return path.size() > 1 ? path[path.size() - 2] : schema;
}

std::string AdbcIOManager::table_for(const AssetKey& key) const {
  return quote_identifier(schema_for(key)) + "." + quote_identifier(key.path().back());
}

std::string AdbcIOManager::storage_name(const AssetKey& key) const { return schema_for(key) + "." + key.path().back(); }

void AdbcIOManager::handle_output(OutputContext& context, const Value& value) {
  std::string owner = "asset '" + context.asset_key().to_string() + "'";
  ArrowTable table = arrow_table_of(value, owner, "ADBC");
  const PartitionScope& scope = context.partition_scope();
  std::string column = scope.empty() ? "" : partition_column(context.metadata(), owner);
  if (!column.empty() && table->schema()->GetFieldIndex(column) < 0) {
    throw StorageError(owner + ": the partition column '" + column + "' (partition_expr) is not among its columns (" +
                       names_of(*table->schema()) + ")");
  }
  try {
    write(context, table, column);
  } catch (const StorageError& e) {
    throw StorageError(owner + ": writing table " + table_for(context.asset_key()) + " failed: " + e.what());
  }
  Metadata metadata = table_metadata(*table);
  metadata.set("table", storage_name(context.asset_key()));
  context.add_output_metadata(metadata);
}

// The rows are bulk-ingested into a staging table beside the asset's table, then made the table
// (unpartitioned) or moved into it after the partition's rows are deleted, in one transaction.
void AdbcIOManager::write(const OutputContext& context, const ArrowTable& table, const std::string& column) {
  const AssetKey& key = context.asset_key();
  const PartitionScope& scope = context.partition_scope();
  std::string table_schema = schema_for(key);
  std::string name = key.path().back();
  State& st = state();
  const adbc::Dialect& dialect = st.database->dialect();
  for (const std::string* identifier : {&table_schema, &name}) {
    if (dialect.max_identifier_bytes != 0 && identifier->size() > dialect.max_identifier_bytes) {
      throw StorageError("the name '" + *identifier + "' is longer than the " +
                         std::to_string(dialect.max_identifier_bytes) + " bytes the database keeps");
    }
  }
  adbc::Connection con(st.database);
  std::string target = table_for(key);
  std::string staging = staging_table_name();
  std::string staged = quote_identifier(table_schema) + "." + quote_identifier(staging);
  // Outside the write's transaction: two writers creating one schema in concurrent transactions
  // conflict (PostgreSQL), and a schema that exists anyway is harmless to keep.
  try {
    con.execute("CREATE SCHEMA IF NOT EXISTS " + quote_identifier(table_schema));
  } catch (const StorageError&) {
    con.execute("CREATE SCHEMA IF NOT EXISTS " + quote_identifier(table_schema));  // lost the race: it exists now
  }
  // Asked before the transaction: a missing table is an error inside one (PostgreSQL's driver).
  bool partitioned = !scope.empty();
  std::shared_ptr<arrow::Schema> existing =
      partitioned || !dialect.transactional_ddl ? con.table_schema(table_schema, name) : nullptr;
  if (existing && partitioned) check_same_columns(*existing, *table->schema(), "the partition", target);
  con.begin();
  try {
    con.ingest(std::make_shared<arrow::TableBatchReader>(table), table_schema, staging, adbc::IngestMode::create);
    if (partitioned && existing) {
      std::string columns;
      for (const auto& field : table->schema()->fields()) {
        columns += (columns.empty() ? "" : ", ") + quote_identifier(field->name());
      }
      con.execute("DELETE FROM " + target + " WHERE " + partition_predicate(column, scope, dialect));
      con.execute("INSERT INTO " + target + " (" + columns + ") SELECT " + columns + " FROM " + staged);
      con.execute("DROP TABLE " + staged);
    } else if (dialect.transactional_ddl) {
      con.execute("DROP TABLE IF EXISTS " + target);
      con.execute("ALTER TABLE " + staged + " RENAME TO " + quote_identifier(name));
    } else if (existing) {
      con.execute("ALTER TABLE " + staged + " SWAP WITH " + target);
      con.execute("DROP TABLE " + staged);
    } else {
      con.execute("ALTER TABLE " + staged + " RENAME TO " + target);
    }
    con.commit();
  } catch (...) {
    con.rollback();
    try {  // where DDL commits at once (Snowflake), the staging table outlives the rollback
      con.execute("DROP TABLE IF EXISTS " + staged);
    } catch (const StorageError&) {
    }
    throw;
  }
}

Value AdbcIOManager::load_input(InputContext& context) {
  std::string owner = "asset '" + context.asset_key().to_string() + "'";
  const AssetKey& key = context.asset_key();
  try {
    State& st = state();
    adbc::Connection con(st.database);
    if (!con.table_schema(schema_for(key), key.path().back())) {
      throw MissingDataError(owner + ": no table " + table_for(key) + " in " + describe() +
                             " (has it been materialized?)");
    }
    std::string sql = "SELECT " + sql_select_list(context.metadata(), quote_identifier) + " FROM " + table_for(key);
    if (!context.partition_scope().empty()) {
      const OutputContext* upstream = context.upstream_output();
      const Metadata& definition = upstream ? upstream->metadata() : context.metadata();
      sql += " WHERE " + partition_predicate(partition_column(definition, owner), context.partition_scope(),
                                             st.database->dialect());
    }
    return Value::of(con.query(sql));
  } catch (const MissingDataError&) {
    throw;
  } catch (const StorageError& e) {
    throw StorageError(owner + ": loading table " + table_for(key) + " failed: " + e.what());
  }
}

}  // namespace strata
