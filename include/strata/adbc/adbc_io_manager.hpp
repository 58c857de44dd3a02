// AdbcIOManager: stores Arrow tables in a database reached through an ADBC driver — PostgreSQL,
// Snowflake, or any driver given as a shared library path (docs/tables.md, "Warehouses through ADBC").
//
//   strata::AdbcIOManager({.driver = "postgresql", .uri = strata::EnvVar{"WAREHOUSE_URI"}})
//
// An asset ["analytics", "topstories"] is the table "analytics"."topstories"; a key without a prefix
// goes to the configured schema (default "public"). Identifiers are always quoted (so exactly as the
// key spells them). A write bulk-ingests the rows (the driver's own path, e.g. COPY) into a staging
// table "__strata_incoming_<tag>_<n>" beside the asset's table and, in the same transaction,
// replaces the table with it (unpartitioned) or deletes the partition's rows — the column is named
// by the asset's definition metadata "partition_expr"; time partitions are matched by window, others
// with WHERE <column> IN (<keys>) — and inserts the new ones. A failed write rolls back: the table
// is as it was, and nothing of Strata's is left (where DDL commits at once, as on Snowflake, the
// table is swapped in and the staging table dropped on failure). Loads select the input's "columns"
// (input metadata) and filter to the input's partitions.
// The driver is loaded with dlopen and its AdbcDriverInit (the wheels ship no driver manager
// library). The database is opened when first used, once per process and configuration; every write
// and load uses its own connection, so steps run concurrently; the manager is thread-safe. Errors
// (StorageError; MissingDataError for a table never written) name the asset and the database
// (resource, driver, uri without its password or as EnvVar(NAME), options that are not secret) on
// one line.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "strata/arrow/table.hpp"
#include "strata/core/config/config_field.hpp"
#include "strata/core/resources/io_manager.hpp"

namespace strata {

struct AdbcOptions {
  std::string driver{};                          // "postgresql", "snowflake", or the driver's .so path
  Setting<std::string> uri{};                    // the database's "uri" option; usually an EnvVar
  std::map<std::string, std::string> options{};  // more database options (e.g. adbc.snowflake.sql.warehouse)
  Secret<std::string> password{};                // the "password" option when not empty (Snowflake)
  std::string schema = "public";                 // for keys without a prefix
};

class AdbcIOManager : public IOManager {
 public:
  explicit AdbcIOManager(AdbcOptions options = {});

  std::string driver;
  Setting<std::string> uri;
  std::map<std::string, std::string> options;
  Secret<std::string> password;
  std::string schema;
  STRATA_CONFIG_FIELDS(driver, uri, options, password, schema)

  void validate_config() const override;
  void setup(InitContext& context) override;
  void teardown() override;
  void handle_output(OutputContext& context, const Value& value) override;
  Value load_input(InputContext& context) override;
  bool can_handle(const TypeInfo& type) const override;  // ArrowTable or ArrowReader
  bool can_load(const TypeInfo& type) const override;    // ArrowTable

  // The schema of an asset's table (the key's second-to-last component, or the configured schema)
  // and "schema"."table", quoted.
  std::string schema_for(const AssetKey& key) const;
  std::string table_for(const AssetKey& key) const;
  // "schema.table" as the key spells it (quoted identifiers are case-sensitive); Definitions refuse two
  // assets of one manager with the same table.
  std::string storage_name(const AssetKey& key) const override;
  // The database in error messages: driver, uri (password masked, or EnvVar(NAME)), options that are
  // not secret. Never a secret value.
  std::string describe() const;

 private:
  struct State;
  State& state();
  void write(const OutputContext& context, const ArrowTable& table, const std::string& partition_column);
  std::shared_ptr<State> state_;  // per run (copies of the prototype start without one)
  std::string resource_key_;
};

}  // namespace strata
