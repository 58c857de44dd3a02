// DuckDBIOManager: stores Arrow tables as DuckDB tables.
//
//   strata::DuckDBIOManager({.database = "analytics.hackernews"})
//
// An asset ["hackernews", "topstories"] is the table hackernews.topstories; a key without a prefix
// goes to the configured schema (default "public"). An unpartitioned write replaces the table in one
// transaction; a partitioned one deletes the partition's rows and inserts the new ones in one
// transaction — the column is named by the asset's definition metadata "partition_expr" (rows of
// time partitions are matched by window, others by key). A failed write leaves the previous table.
// Loads select the input's "columns" (input metadata) and filter to the input's partitions.
//
// DuckDBResource: the same database for assets that run their own SQL (the seed's deps-only asset
// that creates a table with a query): ctx.resources().get<DuckDBResource>("duckdb").connect().
#pragma once

#include <memory>
#include <string>

#include "strata/core/config_field.hpp"
#include "strata/core/io_manager.hpp"
#include "strata/duckdb/connection.hpp"

namespace strata {

struct DuckDBOptions {
  std::string database{};         // file path; ":memory:" for a database that lives with the process
  std::string schema = "public";  // for keys without a prefix
};

class DuckDBIOManager : public IOManager {
 public:
  explicit DuckDBIOManager(DuckDBOptions options = {});

  std::string database;
  std::string schema;
  STRATA_CONFIG_FIELDS(database, schema)

  void validate_config() const override;
  void setup(InitContext& context) override;
  void teardown() override;
  void handle_output(OutputContext& context, const Value& value) override;
  Value load_input(InputContext& context) override;
  bool can_handle(const TypeInfo& type) const override;  // ArrowTable or ArrowReader
  bool can_load(const TypeInfo& type) const override;    // ArrowTable

  // "schema"."table" for an asset key.
  std::string table_for(const AssetKey& key) const;

 private:
  DuckDBConnection& connection();
  std::shared_ptr<DuckDBConnection> connection_;  // per run (copies of the prototype start without one)
};

class DuckDBResource : public Resource {
 public:
  explicit DuckDBResource(DuckDBOptions options = {}) : database(std::move(options.database)) {}
  std::string database;
  STRATA_CONFIG_FIELDS(database)

  void validate_config() const override;
  // A new connection to the database (shared with the DuckDB I/O manager when the file is the same).
  std::unique_ptr<DuckDBConnection> connect() const;
};

}  // namespace strata
