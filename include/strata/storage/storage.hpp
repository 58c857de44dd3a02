// Storage: the instance's durable state — runs, the event log and the asset catalog derived from
// it. Two backends implement it with the same schema and semantics: SQLite (the default, a file in
// STRATA_HOME) and PostgreSQL (shared between machines). Every method is safe to call from several
// threads and several processes at once; writes are transactions.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/partitions/partitions.hpp"
#include "strata/core/types/event.hpp"
#include "strata/storage/instigator_records.hpp"
#include "strata/storage/run_queue.hpp"
#include "strata/storage/run_record.hpp"

namespace strata {

// An event as stored: its position in the log (strictly increasing, a cursor for tailing).
struct EventRecord {
  int64_t id = 0;
  Event event{};
};

// A backfill: a set of partitions materialized by one or more runs, with its progress.
struct BackfillRecord {
  std::string backfill_id{};
  std::string selection{};
  std::vector<std::string> partitions{};
  // REQUESTED (submitted for the daemon, no run yet), RUNNING, CANCELING (canceled, runs still
  // stopping), then one of COMPLETED, FAILED, CANCELED.
  std::string status{};
  int64_t num_runs = 0;
  int64_t runs_succeeded = 0;
  int64_t runs_failed = 0;
  int64_t create_time_us = 0;
  int64_t end_time_us = 0;
  // What the daemon needs to create the runs (JSON, execution/daemon_backfill.hpp); empty for a
  // backfill the command line runs itself.
  std::string launch{};
  int64_t runs_canceled = 0;
  std::string error{};  // why runs could not be created (a partition that no longer exists...)
};

// One run of a backfill driven by the daemon, keyed by its chunk: the index of its partitions in
// the backfill's plan. A chunk has at most one entry, so a restarted daemon never runs it twice.
struct BackfillRunRecord {
  int64_t chunk = 0;
  std::string run_id{};  // empty when no run could be created (`error` says why)
  std::string error{};
  std::optional<RunStatus> status{};  // the run's current status (absent without a run)
};

// The state of one partition of an asset, from its latest materialization or failure.
// A held slot of a concurrency pool (storage/pool_slots.hpp).
struct PoolSlot {
  std::string pool{};
  std::string run_id{};
  std::string step_key{};
};

// One asset of the catalog as the asset list needs it, read for every asset at once: its latest
// materialization and latest failure to materialize since its last wipe (ids 0 when none).
struct AssetCatalogEntry {
  AssetKey key{};
  int64_t last_materialization_id = 0;
  std::string materialization_run_id{};
  int64_t materialization_timestamp_us = 0;
  std::optional<std::string> materialization_partition{};
  int64_t last_failure_id = 0;  // latest ASSET_FAILED_TO_MATERIALIZE event
  std::string failure_run_id{};
};

struct PartitionStatusRecord {
  std::string partition{};
  bool materialized = false;  // has a materialization after the last wipe
  bool failed = false;        // the latest attempt (a failed step of a run for it) failed
};

class Storage : public DynamicPartitionsStore {
 public:
  ~Storage() override = default;

  // "sqlite:<path>" or "postgres://<user>@<host>:<port>/<db>" (never a password).
  virtual std::string describe() const = 0;
  // The schema version this build writes.
  // Version 1: runs, event log, asset keys. Version 2: per-partition status, dynamic partitions,
  // backfills. Version 3: the run queue and pool slots. Version 4: each asset's latest failure in the
  // catalog (asset_catalog). Version 5: backfills driven by the daemon (their launch document, the run
  // of each chunk). Version 6: schedule and sensor state, ticks, run keys, daemon heartbeats and
  // lease. Older databases are migrated when opened.
  static constexpr int kSchemaVersion = 6;

  // --- runs ---
  // Throws StorageError when a run with the id exists.
  virtual void add_run(const RunRecord& run) = 0;
  // Sets status (and start or end time, whichever applies) of an existing run.
  virtual void update_run_status(const std::string& run_id, RunStatus status, int64_t time_us) = 0;
  // In one transaction: appends the run's last event and sets its status (and end time, to the
  // event's timestamp), so that whoever reads the event finds the run finished. Throws StorageError
  // when there is no such run (nothing is appended).
  virtual void finish_run(const std::string& run_id, RunStatus status, const Event& last_event) = 0;
  // In one transaction: sets the run's status to `next` only if it is still `expected` (and the end
  // time, when `next` is finished, or the start time, when it is STARTED, to the event's timestamp),
  // and appends `event` only if it did. Returns whether it did. Of several callers (threads or
  // processes) with the same expectation, exactly one succeeds; a run that moved on (finished, say)
  // in the meantime keeps its status. False for an unknown run.
  virtual bool update_run_status_if(const std::string& run_id, RunStatus expected, RunStatus next,
                                    const Event& event) = 0;
  bool fail_run_if_status(const std::string& run_id, RunStatus expected, const Event& event) {
    return update_run_status_if(run_id, expected, RunStatus::kFailure, event);
  }
  virtual std::optional<RunRecord> get_run(const std::string& run_id) = 0;
  virtual std::vector<RunRecord> runs(const RunFilter& filter) = 0;

  // --- event log ---
  // Appends in one transaction, in order; all or nothing.
  virtual void append_events(const std::vector<Event>& events) = 0;
  // Events of a run with id > after_id, in order (limit < 0: all).
  virtual std::vector<EventRecord> events_for_run(const std::string& run_id, int64_t after_id = 0, int limit = -1) = 0;
  virtual int64_t count_events(const std::string& run_id = "") = 0;
  // Events of every run with id > after_id, in id order, at most `limit` (tailing the whole log).
  virtual std::vector<EventRecord> events_after(int64_t after_id, int limit) = 0;
  // The id of the newest event (0 when the log is empty).
  virtual int64_t last_event_id() = 0;

  // --- asset catalog ---
  // The latest materialization of `key` (of `partition`, when given) since the last wipe.
  virtual std::optional<EventRecord> latest_materialization(const AssetKey& key,
                                                            const std::optional<std::string>& partition = {}) = 0;
  // Materializations of `key`, newest first.
  virtual std::vector<EventRecord> materialization_history(const AssetKey& key, int limit = 100) = 0;
  // Keys with at least one materialization or observation since their last wipe.
  virtual std::vector<AssetKey> asset_keys() = 0;
  // Every asset with a materialization or a failure to materialize since its last wipe, in one read
  // (O(assets), whatever the size of the event log), sorted by key.
  virtual std::vector<AssetCatalogEntry> asset_catalog() = 0;
  // Forgets the asset's history (runs' own event logs are kept).
  virtual void wipe_asset(const AssetKey& key) = 0;
  // Latest status of every partition of `key` that was materialized or failed since the last wipe,
  // sorted by partition key in byte order.
  virtual std::vector<PartitionStatusRecord> partition_status(const AssetKey& key) = 0;

  // --- backfills ---
  virtual void add_backfill(const BackfillRecord& backfill) = 0;
  virtual void update_backfill(const std::string& backfill_id, const std::string& status, int64_t runs_succeeded,
                               int64_t runs_failed, int64_t end_time_us) = 0;
  virtual std::optional<BackfillRecord> get_backfill(const std::string& backfill_id) = 0;
  virtual std::vector<BackfillRecord> backfills(int limit = 100) = 0;  // newest first

  // --- backfills driven by the daemon ---
  // The backfills REQUESTED, RUNNING or CANCELING, oldest first.
  virtual std::vector<BackfillRecord> active_backfills() = 0;
  // In one transaction, when the backfill is REQUESTED or RUNNING and chunk `chunk` has no entry yet:
  // records the entry with `queued.run` as its run, queues the run (as enqueue_run) and sets the
  // backfill RUNNING. Returns whether it did (false: the chunk has its run, or the backfill was
  // canceled or finished meanwhile). Throws StorageError for an unknown backfill.
  virtual bool add_backfill_run(const std::string& backfill_id, int64_t chunk, const QueuedRun& queued) = 0;
  // The same for a chunk that gets no run: records `error` as its entry.
  virtual bool add_backfill_chunk_error(const std::string& backfill_id, int64_t chunk, const std::string& error) = 0;
  // The entries of the backfill's chunks, by chunk, each with its run's current status.
  virtual std::vector<BackfillRunRecord> backfill_runs(const std::string& backfill_id) = 0;
  // In one transaction: when the backfill's status is still `expected`, sets status, the three run
  // counts, end time and error from `progress`; returns whether it did.
  virtual bool update_backfill_if(const std::string& backfill_id, const std::string& expected,
                                  const BackfillRecord& progress) = 0;

  // --- run queue (storage/run_queue.hpp) ---
  // In one transaction: records `run` (status QUEUED, no owner), its `launch` document at the end of
  // the queue, and its RUN_ENQUEUED event. Throws StorageError when a run with the id exists.
  virtual void enqueue_run(const RunRecord& run, const std::string& launch) = 0;
  // The runs still QUEUED, in submission order.
  virtual std::vector<QueuedRun> queued_runs() = 0;
  // In one transaction that excludes every other dequeuer (of any process): reads the queue and the
  // runs in progress (STARTED, CANCELING), lets `decide` choose, and claims its choice — each run
  // STARTED with `owner` as its owner and `time_us` as its start time, a RUN_DEQUEUED event, its
  // queue entry removed. Returns the claimed runs (status STARTED), in submission order. A run is
  // claimed once, whatever the number of concurrent dequeuers.
  virtual std::vector<QueuedRun> dequeue_runs(const DequeueDecision& decide, const RunOwner& owner,
                                              int64_t time_us) = 0;

  // --- concurrency pools (storage/pool_slots.hpp) ---
  // In one transaction that excludes other claimers of the pool: adds `slot` when the pool holds
  // fewer than `limit` slots; returns whether it did (true also when `slot` is already held).
  virtual bool claim_pool_slot(const PoolSlot& slot, int64_t limit) = 0;
  virtual void release_pool_slot(const PoolSlot& slot) = 0;
  // Frees every slot held by the run (the reaper, for runs that died); returns how many.
  virtual int64_t release_pool_slots_of_run(const std::string& run_id) = 0;
  // The slots held in `pool`.
  virtual std::vector<PoolSlot> pool_slots(const std::string& pool) = 0;

  // --- schedules, sensors and the daemon (storage/instigator_records.hpp) ---
  virtual std::vector<InstigatorState> instigator_states() = 0;
  // Records the status set with start/stop (creating the state when absent).
  virtual void set_instigator_status(const std::string& name, const std::string& kind, InstigatorStatus status) = 0;
  // In one transaction, for each commit: queues its runs (a run whose key the instigator used before
  // is dropped, and the tick names the run created then), records the tick (once per instigator and
  // tick time: a tick recorded already is kept; a commit whose tick has no status records none), and moves the state's
  // last tick time forward and sets its cursor. Returns the ticks as recorded, with the run ids they name.
  virtual std::vector<TickRecord> commit_ticks(const std::vector<TickCommit>& commits) = 0;
  // Ticks of `instigator`, newest first.
  virtual std::vector<TickRecord> ticks(const std::string& instigator, int limit = 20) = 0;
  // Upserts the loop's heartbeat; an empty last_error keeps the previous one.
  virtual void record_daemon_heartbeat(const DaemonHeartbeat& heartbeat) = 0;
  virtual std::vector<DaemonHeartbeat> daemon_heartbeats() = 0;
  // Takes (or renews) the instance's daemon lease for `holder` until now + ttl, when it is free,
  // expired, or already `holder`'s; returns whether `holder` holds it now. Atomic among processes.
  virtual bool acquire_daemon_lease(const std::string& holder, int64_t now_us, int64_t ttl_us) = 0;
  // Gives the lease up, when `holder` holds it.
  virtual void release_daemon_lease(const std::string& holder) = 0;
  virtual std::optional<DaemonLease> daemon_lease() = 0;
};

}  // namespace strata
