// Instance: a STRATA_HOME directory (like DAGSTER_HOME) and the storage it configures.
//
//   $STRATA_HOME/strata.yaml   instance configuration (created with defaults when absent)
//   $STRATA_HOME/history.db    SQLite storage (the default backend)
//   $STRATA_HOME/storage/      the default filesystem I/O manager's base directory
//
// strata.yaml:
//   storage:
//     sqlite:
//       path: history.db            # relative to STRATA_HOME
//   # or, shared between machines:
//   storage:
//     postgres:
//       host: 127.0.0.1
//       port: 5432
//       user: strata
//       password: {env: STRATA_PG_PASSWORD}   # EnvVar: resolved when opened, never printed
//       dbname: strata
//   io_manager:
//     base_dir: /data/storage        # default: $STRATA_HOME/storage
//   run_queue:                       # storage/run_queue.hpp
//     max_concurrent_runs: 10
//     tag_concurrency_limits: [{key: database, value: duckdb, limit: 1}]
//   concurrency:                     # storage/pool_slots.hpp
//     pools: {warehouse: 2}
//     default_pool_limit: 4
//   ui:                              # the web UI (docs/api.md)
//     access_token: {env: MY_UI_TOKEN}   # or a literal; EnvVar: never printed
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/config/config_field.hpp"
#include "strata/storage/backends.hpp"
#include "strata/storage/pool_slots.hpp"
#include "strata/storage/run_queue.hpp"
#include "strata/storage/storage.hpp"

namespace strata {

struct InstanceConfig {
  enum class Backend { kSqlite, kPostgres };
  Backend backend = Backend::kSqlite;
  std::filesystem::path sqlite_path{};  // absolute after load()
  PostgresConnection postgres{};        // password filled from `postgres_password` when opened
  Setting<std::string> postgres_password{};
  std::filesystem::path storage_base_dir{};  // absolute after load()
  RunQueueConfig run_queue{};
  PoolLimits pools{};
  // ui.access_token: what every request to the web UI must carry (unresolved when from an EnvVar).
  std::optional<Setting<std::string>> ui_access_token{};

  // Reads <home>/strata.yaml (defaults when absent). Throws ConfigError naming the file and field.
  static InstanceConfig load(const std::filesystem::path& home);
};

class Instance {
 public:
  // Opens (creating when absent) STRATA_HOME and its storage, then marks runs whose owning process
  // died as failed. Throws StorageError/ConfigError naming the file or server at fault.
  static std::shared_ptr<Instance> open(const std::filesystem::path& home);
  // $STRATA_HOME, or ./.strata when unset.
  static std::filesystem::path default_home();

  const std::filesystem::path& home() const { return home_; }
  const InstanceConfig& config() const { return config_; }
  Storage& storage() { return *storage_; }

  // Runs recorded as STARTED whose owner process (on this host) no longer exists are marked
  // FAILURE with a RUN_FAILURE event, each in one transaction and only if its status is still the one
  // read (Storage::fail_run_if_status): a run that finished meanwhile keeps its status, and of several
  // processes reaping at once exactly one fails the run — and publishes the staged files of
  // materializations the run recorded but did not publish (storage/staged_output_recovery.hpp) and
  // frees the run's concurrency pool slots. QUEUED runs have no process until a dequeuer claims
  // them (their submitter may exit): they are left waiting.
  // Returns the ids this call failed. Storage that cannot be written (full disk...) stops the
  // reaping without an error, for a later call.
  std::vector<std::string> reap_dead_runs();

  // Asks run `run_id` to stop. A STARTED run becomes CANCELING (with a RUN_CANCELING event): the
  // process running it notices, stops its steps and records CANCELED. A QUEUED run becomes CANCELED
  // at once (RUN_CANCELED). A CANCELING run stays so. Returns the run's status afterwards. Throws
  // Error naming the run when it is unknown or already finished (saying how it finished).
  RunStatus cancel_run(const std::string& run_id, const std::string& reason = "");

  // This process's identity as a run owner.
  static std::string host_name();
  static int64_t process_start_ticks(int64_t pid);  // 0 when the process does not exist or has ended (zombie)

 private:
  Instance(std::filesystem::path home, InstanceConfig config, std::unique_ptr<Storage> storage);

  std::filesystem::path home_;
  InstanceConfig config_;
  std::unique_ptr<Storage> storage_;
};

}  // namespace strata
