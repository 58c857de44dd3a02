// DuckDBIOManager: stores Arrow tables as DuckDB tables.
//
//   strata::DuckDBIOManager({.database = "analytics.hackernews"})
//
// An asset ["hackernews", "topstories"] is the table hackernews.topstories; a key without a prefix
// goes to the configured schema (default "public"). An unpartitioned write replaces the table in one
// transaction; a partitioned one deletes the partition's rows and inserts the new ones in one
// transaction — the column is named by the asset's definition metadata "partition_expr" (rows of
// time partitions are matched by window, others by key). A failed write leaves the previous table,
// and nothing of Strata's own (the incoming data is scanned through a view created and dropped
// inside the transaction). In a run recorded by an instance the rows are first committed to a
// staging table "__strata_staged_<run id>__<table>" beside the asset's table and applied to it
// (rename, or partition rows deleted and inserted, in one transaction) only after the
// materialization is recorded (publish_output); a staging table that a dead process left is applied
// or dropped by the next manager that opens the database, as the instance's record says. So a run
// that dies never changes what is loaded, and what is loaded is what the catalog names.
// Threads: every write and load uses its own connection; the writes of one process to one database
// take turns (DuckDBDatabase::write_mutex), holding the turn from handle_output to publish/discard.
// Loads select the input's "columns" (input metadata) and filter to the input's partitions.
// A database file held by another process is waited for (lock_timeout_seconds, default 60) with
// backoff, then refused with an error naming the file.
//
// DuckDBResource: the same database for assets that run their own SQL (the seed's deps-only asset
// that creates a table with a query): ctx.resources().get<DuckDBResource>("duckdb").connect().
#pragma once

#include <memory>
#include <string>

#include "strata/core/config/config_field.hpp"
#include "strata/core/resources/io_manager.hpp"
#include "strata/duckdb/connection.hpp"

namespace strata {

struct DuckDBOptions {
  std::string database{};             // file path; ":memory:" for a database that lives with the process
  std::string schema = "public";      // for keys without a prefix
  int64_t lock_timeout_seconds = 60;  // how long to wait for a file another process holds
};

class DuckDBIOManager : public IOManager {
 public:
  explicit DuckDBIOManager(DuckDBOptions options = {});

  std::string database;
  std::string schema;
  int64_t lock_timeout_seconds;
  STRATA_CONFIG_FIELDS(database, schema, lock_timeout_seconds)

  void validate_config() const override;
  void setup(InitContext& context) override;
  void teardown() override;
  // A DuckDB file is written by processes of one machine (its lock is a local file lock).
  std::string local_to_this_machine() const override {
    return "its database file '" + database + "' is locked and written by processes of one machine";
  }
  void handle_output(OutputContext& context, const Value& value) override;
  bool stages_outputs() const override { return true; }
  void publish_output(OutputContext& context) override;
  void discard_output(OutputContext& context) noexcept override;
  Value load_input(InputContext& context) override;
  bool can_handle(const TypeInfo& type) const override;  // ArrowTable or ArrowReader
  bool can_load(const TypeInfo& type) const override;    // ArrowTable

  // "schema"."table" for an asset key, and the schema alone (the key's second-to-last component, or
  // the configured schema for a one-component key).
  std::string table_for(const AssetKey& key) const;
  std::string schema_for(const AssetKey& key) const;
  // The table as DuckDB resolves it (identifiers are case-insensitive): "schema.table" lower-cased.
  // Definitions refuse two assets of one manager with the same table ("s1/b/c" and "s2/b/c" are both
  // b.c; "public/t" and "t" are both public.t with the default schema).
  std::string storage_name(const AssetKey& key) const override;

 private:
  struct State;
  struct StagedWrite;
  State& state(const Logger* log = nullptr);
  void apply_staged(const StagedWrite& write);
  void drop_staged(const StagedWrite& write) noexcept;
  void recover_staged(InitContext& context);
  std::shared_ptr<State> state_;  // per run (copies of the prototype start without one)
};

class DuckDBResource : public Resource {
 public:
  explicit DuckDBResource(DuckDBOptions options = {})
      : database(std::move(options.database)), lock_timeout_seconds(options.lock_timeout_seconds) {}
  std::string database;
  int64_t lock_timeout_seconds;
  STRATA_CONFIG_FIELDS(database, lock_timeout_seconds)

  void validate_config() const override;
  // A new connection to the database (shared with the DuckDB I/O manager when the file is the same).
  std::unique_ptr<DuckDBConnection> connect() const;
};

}  // namespace strata
