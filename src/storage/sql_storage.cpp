#include "sql_storage.hpp"

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <type_traits>

#include "stored_json.hpp"
#include "stored_text.hpp"
#include "strata/core/resources/storage_location.hpp"
#include "strata/core/util/error.hpp"

namespace strata::storage_detail {
namespace {

// --- the statements, written once (?N parameters; SqlDialect::parameters gives PostgreSQL's $N) ---

constexpr const char* kRunColumns =
    "run_id, job_name, selection, status, tags, run_config, owner_host, owner_pid, owner_start_ticks, create_time, "
    "start_time, end_time";
constexpr const char* kTwelveValues = "?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12";
constexpr const char* kInProgressCondition = "status IN ('STARTED', 'CANCELING')";
// The id below which an asset's events were wiped (?1 is the asset key).
constexpr const char* kWipedBefore = "COALESCE((SELECT wiped_before_id FROM asset_keys WHERE asset_key=?1), 0)";

// ?1 run id, ?2 launch document: appends to the queue (inside the caller's exclusive transaction).
constexpr const char* kEnqueueSql =
    "INSERT INTO run_queue(position, run_id, launch) SELECT COALESCE(MAX(position), 0) + 1, ?1, ?2 FROM run_queue";
// ?1 host, ?2 pid, ?3 start ticks, ?4 start time, ?5 run id: claims a run still QUEUED.
constexpr const char* kClaimRunSql =
    "UPDATE runs SET status='STARTED', owner_host=?1, owner_pid=?2, owner_start_ticks=?3, start_time=?4 WHERE "
    "run_id=?5 AND status='QUEUED'";
constexpr const char* kRemoveStaleQueueEntriesSql =
    "DELETE FROM run_queue WHERE run_id NOT IN (SELECT run_id FROM runs WHERE status='QUEUED')";

// ?1 pool, ?2 run id, ?3 step key: the slots held in the pool, and whether this step holds one.
constexpr const char* kPoolCountSql =
    "SELECT count(*), COALESCE(SUM(CASE WHEN run_id=?2 AND step_key=?3 THEN 1 ELSE 0 END), 0) FROM pool_slots "
    "WHERE pool=?1";
constexpr const char* kPoolInsertSql =
    "INSERT INTO pool_slots(pool, run_id, step_key, claim_time) VALUES(?1, ?2, ?3, ?4)";
constexpr const char* kPoolReleaseSql = "DELETE FROM pool_slots WHERE pool=?1 AND run_id=?2 AND step_key=?3";
constexpr const char* kPoolSlotsSql =
    "SELECT pool, run_id, step_key FROM pool_slots WHERE pool=?1 ORDER BY claim_time, run_id, step_key";

// Every asset's latest materialization and failure since its wipe, from asset_keys alone.
constexpr const char* kAssetCatalogSql =
    "SELECT asset_key, CASE WHEN last_materialization_id > wiped_before_id THEN last_materialization_id ELSE 0 END, "
    "last_run_id, last_timestamp, last_partition, CASE WHEN last_failure_id > wiped_before_id THEN last_failure_id "
    "ELSE 0 END, last_failure_run_id FROM asset_keys WHERE last_materialization_id > wiped_before_id OR "
    "last_failure_id > wiped_before_id ORDER BY asset_key";
// Records materialization ?2 (run ?3, time ?4, partition ?5) as the latest of asset ?1, unless a
// newer one is recorded.
constexpr const char* kRecordMaterializationSql =
    "INSERT INTO asset_keys(asset_key, last_materialization_id, last_run_id, last_timestamp, last_partition) "
    "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(asset_key) DO UPDATE SET last_run_id=CASE WHEN "
    "excluded.last_materialization_id > asset_keys.last_materialization_id THEN excluded.last_run_id ELSE "
    "asset_keys.last_run_id END, last_timestamp=CASE WHEN excluded.last_materialization_id > "
    "asset_keys.last_materialization_id THEN excluded.last_timestamp ELSE asset_keys.last_timestamp END, "
    "last_partition=CASE WHEN excluded.last_materialization_id > asset_keys.last_materialization_id THEN "
    "excluded.last_partition ELSE asset_keys.last_partition END, last_materialization_id=CASE WHEN "
    "excluded.last_materialization_id > asset_keys.last_materialization_id THEN excluded.last_materialization_id "
    "ELSE asset_keys.last_materialization_id END";
// Records event ?2 (of run ?3) as the latest failure to materialize asset ?1, unless a newer one is.
constexpr const char* kRecordFailureSql =
    "INSERT INTO asset_keys(asset_key, last_failure_id, last_failure_run_id) VALUES(?1, ?2, ?3) ON "
    "CONFLICT(asset_key) DO UPDATE SET last_failure_run_id=CASE WHEN excluded.last_failure_id > "
    "asset_keys.last_failure_id THEN excluded.last_failure_run_id ELSE asset_keys.last_failure_run_id END, "
    "last_failure_id=CASE WHEN excluded.last_failure_id > asset_keys.last_failure_id THEN excluded.last_failure_id "
    "ELSE asset_keys.last_failure_id END";

// Backfills: the columns read_backfill reads and backfill_params writes, in this order.
constexpr const char* kBackfillColumns =
    "backfill_id, selection, partitions, status, num_runs, runs_succeeded, runs_failed, create_time, end_time, "
    "launch, runs_canceled, error";
// ?1 backfill id, ?2 chunk, ?3 run id, ?4 error: a chunk's entry, unless it has one.
constexpr const char* kInsertBackfillRunSql =
    "INSERT INTO backfill_runs(backfill_id, chunk, run_id, error) VALUES(?1, ?2, ?3, ?4) ON CONFLICT(backfill_id, "
    "chunk) DO NOTHING";
constexpr const char* kBackfillRunsSql =
    "SELECT b.chunk, b.run_id, b.error, r.status FROM backfill_runs b LEFT JOIN runs r ON r.run_id=b.run_id WHERE "
    "b.backfill_id=?1 ORDER BY b.chunk";
// ?1 status, ?2 succeeded, ?3 failed, ?4 canceled, ?5 end time, ?6 error, ?7 backfill id, ?8 expected status.
constexpr const char* kUpdateBackfillIfSql =
    "UPDATE backfills SET status=?1, runs_succeeded=?2, runs_failed=?3, runs_canceled=?4, end_time=?5, error=?6 "
    "WHERE backfill_id=?7 AND status=?8";

// ?1 name, ?2 kind, ?3 status. Started again (from stopped or the code's default), a schedule
// ticks from its next evaluation: its last tick time is forgotten.
constexpr const char* kSetInstigatorStatusSql =
    "INSERT INTO instigators(name, kind, status) VALUES(?1, ?2, ?3) ON CONFLICT(name) DO UPDATE SET "
    "status=excluded.status, kind=excluded.kind, last_tick_time=CASE WHEN excluded.status='RUNNING' AND "
    "instigators.status<>'RUNNING' THEN 0 ELSE instigators.last_tick_time END";
// ?1 instigator, ?2 run key, ?3 run id, ?4 time: claims the key; no row changed when it was used.
constexpr const char* kClaimRunKeySql =
    "INSERT INTO run_keys(instigator, run_key, run_id, create_time) VALUES(?1, ?2, ?3, ?4) ON CONFLICT(instigator, "
    "run_key) DO NOTHING";
constexpr const char* kTickColumns =
    "instigator, kind, tick_time, status, run_ids, skip_reason, error, cursor, timestamp";
// ?1 name, ?2 kind, ?3 cursor, ?4 whether to set the cursor (1/0), ?5 last tick time.
constexpr const char* kAdvanceInstigatorSql =
    "INSERT INTO instigators(name, kind, cursor, last_tick_time) VALUES(?1, ?2, ?3, ?5) ON CONFLICT(name) DO UPDATE "
    "SET cursor=CASE WHEN ?4=1 THEN excluded.cursor ELSE instigators.cursor END, last_tick_time=CASE WHEN "
    "excluded.last_tick_time > instigators.last_tick_time THEN excluded.last_tick_time ELSE "
    "instigators.last_tick_time END";
// ?1 loop, ?2 daemon id, ?3 time, ?4 error ('' keeps the last one).
constexpr const char* kHeartbeatSql =
    "INSERT INTO daemon_heartbeats(loop, daemon_id, time, last_error, last_error_time) VALUES(?1, ?2, ?3, ?4, CASE "
    "WHEN ?4='' THEN CAST(0 AS BIGINT) ELSE CAST(?3 AS BIGINT) END) ON CONFLICT(loop) DO UPDATE SET "
    "daemon_id=excluded.daemon_id, time=excluded.time, "
    "last_error=CASE WHEN excluded.last_error='' THEN daemon_heartbeats.last_error ELSE excluded.last_error END, "
    "last_error_time=CASE WHEN excluded.last_error='' THEN daemon_heartbeats.last_error_time ELSE excluded.time END";
// ?1 holder, ?2 now, ?3 expiry: takes the lease when free, expired or already the holder's.
constexpr const char* kAcquireLeaseSql =
    "INSERT INTO daemon_lease(name, holder, acquired, expires) VALUES('daemon', ?1, ?2, ?3) ON CONFLICT(name) DO "
    "UPDATE SET holder=excluded.holder, expires=excluded.expires, acquired=CASE WHEN daemon_lease.holder=?1 THEN "
    "daemon_lease.acquired ELSE excluded.acquired END WHERE daemon_lease.holder=?1 OR daemon_lease.expires < ?2";

std::string select(const char* columns, const std::string& rest) { return std::string("SELECT ") + columns + rest; }

// --- row mapping (column orders as the statements above select them) ---

RunRecord read_run(const SqlRow& row) {
  RunRecord run;
  run.run_id = row.text(0);
  run.job_name = row.text(1);
  run.selection = row.text(2);
  run.status = run_status_from_name(row.text(3)).value_or(RunStatus::kFailure);
  std::string tags = row.text(4);
  if (!tags.empty()) {
    run.tags =
        storage_detail::stored_json<std::map<std::string, std::string>>(tags, "run '" + run.run_id + "': stored tags");
  }
  run.run_config = row.text(5);
  run.owner_host = row.text(6);
  run.owner_pid = row.integer(7);
  run.owner_start_ticks = row.integer(8);
  run.create_time_us = row.integer(9);
  run.start_time_us = row.integer(10);
  run.end_time_us = row.integer(11);
  return run;
}

SqlParams run_params(const RunRecord& run) {
  return {run.run_id,
          run.job_name,
          run.selection,
          std::string(run_status_name(run.status)),
          stored_tags(run.tags),
          run.run_config,
          run.owner_host,
          run.owner_pid,
          run.owner_start_ticks,
          run.create_time_us,
          run.start_time_us,
          run.end_time_us};
}

EventRecord read_event(const SqlRow& row) {
  EventRow event{row.text(1),          row.text(2), row.text(3),          row.integer(4), row.text(5), row.text(6),
                 row.optional_text(7), row.text(8), row.optional_text(9), row.text(10),   row.text(11)};
  return {row.integer(0), from_row(std::move(event))};
}

BackfillRecord read_backfill(const SqlRow& row) {
  BackfillRecord out{row.text(0),
                     row.text(1),
                     storage_detail::stored_json<std::vector<std::string>>(
                         row.text(2), "backfill '" + row.text(0) + "': stored partitions"),
                     row.text(3),
                     row.integer(4),
                     row.integer(5),
                     row.integer(6),
                     row.integer(7),
                     row.integer(8)};
  out.launch = row.text(9);
  out.runs_canceled = row.integer(10);
  out.error = row.text(11);
  return out;
}

SqlParams backfill_params(const BackfillRecord& b) {
  return {b.backfill_id, b.selection,      nlohmann::json(b.partitions).dump(),
          b.status,      b.num_runs,       b.runs_succeeded,
          b.runs_failed, b.create_time_us, b.end_time_us,
          b.launch,      b.runs_canceled,  b.error};
}

QueuedRun read_queued(const SqlRow& row) {
  QueuedRun queued;
  queued.run = read_run(row);
  queued.position = row.integer(12);
  queued.launch = row.text(13);
  return queued;
}

TickRecord read_tick(const SqlRow& row) {
  return {row.text(0),
          row.text(1),
          row.integer(2),
          row.text(3),
          storage_detail::stored_json<std::vector<std::string>>(row.text(4),
                                                                "a tick of '" + row.text(0) + "': stored run ids"),
          row.text(5),
          row.text(6),
          row.text(7),
          row.integer(8)};
}

std::optional<InstigatorStatus> instigator_status_from_column(const std::string& text) {
  if (text == "RUNNING") return InstigatorStatus::kRunning;
  if (text == "STOPPED") return InstigatorStatus::kStopped;
  return std::nullopt;  // '' = none set: the code's default
}

SqlParams slot_params(const PoolSlot& slot) {
  return {stored_text(slot.pool), stored_text(slot.run_id), stored_text(slot.step_key)};
}

// Whether a backfill in this status may get new runs.
bool backfill_takes_runs(const std::string& status) { return status == "REQUESTED" || status == "RUNNING"; }

class SqlStorage final : public Storage {
 public:
  explicit SqlStorage(std::unique_ptr<SqlConnection> connection)
      : conn_(std::move(connection)), dialect_(conn_->dialect()) {}

  std::string describe() const override { return conn_->describe(); }

  // --- runs ---

  void add_run(const RunRecord& record) override {
    std::lock_guard lock(mutex_);
    insert_run(record);
  }

  void update_run_status(const std::string& run_id, RunStatus status, int64_t time_us) override {
    std::lock_guard lock(mutex_);
    set_run_status(run_id, status, time_us);
  }

  void finish_run(const std::string& run_id, RunStatus status, const Event& last_event) override {
    std::vector<EventRow> rows{to_row(last_event)};
    std::lock_guard lock(mutex_);
    transaction([&] {
      set_run_status(run_id, status, last_event.timestamp_us);
      write_events(rows, false);
    });
  }

  bool update_run_status_if(const std::string& run_id, RunStatus expected, RunStatus next,
                            const Event& event) override {
    std::vector<EventRow> rows{to_row(event)};
    std::lock_guard lock(mutex_);
    bool changed = false;
    transaction([&] {
      // PostgreSQL (READ COMMITTED): a concurrent caller waits for this row's lock, then re-checks the status.
      changed = run("UPDATE runs SET status=?1, " + run_time_assignment(next, "?2") + " WHERE run_id=?3 AND status=?4",
                    {std::string(run_status_name(next)), event.timestamp_us, stored_text(run_id),
                     std::string(run_status_name(expected))},
                    "cannot update run " + run_id) > 0;
      if (changed) write_events(rows, false);
    });
    return changed;
  }

  std::optional<RunRecord> get_run(const std::string& run_id) override {
    std::lock_guard lock(mutex_);
    return read_one(select(kRunColumns, " FROM runs WHERE run_id=?1"), {stored_text(run_id)}, "cannot read run",
                    read_run);
  }

  std::vector<RunRecord> runs(const RunFilter& filter) override {
    std::lock_guard lock(mutex_);
    std::string sql = select(kRunColumns, " FROM runs WHERE 1=1");
    SqlParams p;
    auto param = [&](SqlValue value) {
      p.push_back(std::move(value));
      return "?" + std::to_string(p.size());
    };
    if (filter.status) sql += " AND status=" + param(std::string(run_status_name(*filter.status)));
    if (filter.job_name) sql += " AND job_name=" + param(*filter.job_name);
    if (filter.asset_key) {
      sql += " AND run_id IN (SELECT DISTINCT run_id FROM event_logs WHERE asset_key=" +
             param(stored_key(*filter.asset_key)) + " AND event_type='ASSET_MATERIALIZATION')";
    }
    if (filter.created_after_us) sql += " AND create_time>=" + param(*filter.created_after_us);
    if (filter.created_before_us) sql += " AND create_time<" + param(*filter.created_before_us);
    sql += " ORDER BY create_time DESC, run_id DESC LIMIT " + param(filter.limit);
    return read(sql, p, "cannot list runs", read_run);
  }

  // --- event log ---

  // A batch the database refuses as a whole is written again row by row where the backend can
  // store a refused row in a form it accepts (SqlConnection::retry_events_row_by_row).
  void append_events(const std::vector<Event>& events) override {
    if (events.empty()) return;
    std::vector<EventRow> rows;
    rows.reserve(events.size());
    for (const auto& event : events) rows.push_back(to_row(event));
    std::lock_guard lock(mutex_);
    try {
      transaction([&] { write_events(rows, false); });
    } catch (const StorageError&) {
      if (!conn_->retry_events_row_by_row()) throw;
      transaction([&] { write_events(rows, true); });
    }
  }

  std::vector<EventRecord> events_for_run(const std::string& run_id, int64_t after_id, int limit) override {
    std::lock_guard lock(mutex_);
    SqlParams p{stored_text(run_id), after_id};
    std::string sql = select(kEventColumns, " FROM event_logs WHERE run_id=?1 AND id>?2 ORDER BY id");
    if (limit >= 0) {
      sql += " LIMIT ?3";
      p.emplace_back(limit);
    }
    return read(sql, p, "cannot read events", read_event);
  }

  int64_t count_events(const std::string& run_id) override {
    std::lock_guard lock(mutex_);
    if (run_id.empty()) return read_integer("SELECT count(*) FROM event_logs", {}, "cannot count events");
    return read_integer("SELECT count(*) FROM event_logs WHERE run_id=?1", {stored_text(run_id)},
                        "cannot count events");
  }

  std::vector<EventRecord> events_after(int64_t after_id, int limit) override {
    std::lock_guard lock(mutex_);
    return read(select(kEventColumns, " FROM event_logs WHERE id>?1 ORDER BY id LIMIT ?2"), {after_id, limit},
                "cannot read events", read_event);
  }

  int64_t last_event_id() override {
    std::lock_guard lock(mutex_);
    return read_integer("SELECT COALESCE(MAX(id), 0) FROM event_logs", {}, "cannot read the event log");
  }

  // --- asset catalog ---

  std::optional<EventRecord> latest_materialization(const AssetKey& key,
                                                    const std::optional<std::string>& partition) override {
    std::lock_guard lock(mutex_);
    if (!partition) {
      return read_one(select(kEventColumns,
                             " FROM event_logs WHERE id=(SELECT last_materialization_id FROM asset_keys WHERE "
                             "asset_key=?1)"),
                      {stored_key(key)}, "cannot read the latest materialization", read_event);
    }
    return read_one(select(kEventColumns,
                           std::string(" FROM event_logs WHERE asset_key=?1 AND event_type='ASSET_MATERIALIZATION' AND "
                                       "partition=?2 AND id>") +
                               kWipedBefore + " ORDER BY id DESC LIMIT 1"),
                    {stored_key(key), stored_text(*partition)}, "cannot read the latest materialization", read_event);
  }

  std::vector<EventRecord> materialization_history(const AssetKey& key, int limit) override {
    std::lock_guard lock(mutex_);
    return read(
        select(kEventColumns,
               std::string(" FROM event_logs WHERE asset_key=?1 AND event_type='ASSET_MATERIALIZATION' AND id>") +
                   kWipedBefore + " ORDER BY id DESC LIMIT ?2"),
        {stored_key(key), limit}, "cannot read materialization history", read_event);
  }

  std::vector<AssetKey> asset_keys() override {
    std::lock_guard lock(mutex_);
    return read(
        "SELECT asset_key FROM asset_keys WHERE last_materialization_id > wiped_before_id OR EXISTS (SELECT 1 FROM "
        "event_logs e WHERE e.asset_key=asset_keys.asset_key AND e.event_type='ASSET_OBSERVATION' AND e.id > "
        "asset_keys.wiped_before_id) ORDER BY asset_key",
        {}, "cannot list assets", [](const SqlRow& row) { return AssetKey(row.text(0)); });
  }

  std::vector<AssetCatalogEntry> asset_catalog() override {
    std::lock_guard lock(mutex_);
    return read(std::string(kAssetCatalogSql) + dialect_.byte_order, {}, "cannot read the asset catalog",
                [](const SqlRow& row) {
                  return AssetCatalogEntry{AssetKey(row.text(0)), row.integer(1), row.text(2), row.integer(3),
                                           row.optional_text(4),  row.integer(5), row.text(6)};
                });
  }

  void wipe_asset(const AssetKey& key) override {
    std::lock_guard lock(mutex_);
    transaction([&] {
      run("INSERT INTO asset_keys(asset_key, last_materialization_id, wiped_before_id) VALUES(?1, 0, (SELECT "
          "COALESCE(MAX(id), 0) FROM event_logs)) ON CONFLICT(asset_key) DO UPDATE SET last_materialization_id=0, "
          "last_failure_id=0, wiped_before_id=excluded.wiped_before_id",
          {stored_key(key)}, "cannot wipe asset " + key.to_string());
    });
  }

  // Sorted in byte order: callers merge this list with sorted key lists.
  std::vector<PartitionStatusRecord> partition_status(const AssetKey& key) override {
    std::lock_guard lock(mutex_);
    return read(std::string("SELECT partition, status FROM asset_partitions WHERE asset_key=?1 AND last_event_id>") +
                    kWipedBefore + " ORDER BY partition" + dialect_.byte_order,
                {stored_key(key)}, "cannot read partition status", [](const SqlRow& row) {
                  bool materialized = row.text(1) == "ASSET_MATERIALIZATION";
                  return PartitionStatusRecord{row.text(0), materialized, !materialized};
                });
  }

  // --- dynamic partitions ---

  std::vector<std::string> dynamic_partitions(const std::string& name) override {
    std::lock_guard lock(mutex_);
    return read("SELECT partition FROM dynamic_partitions WHERE name=?1 ORDER BY position", {stored_text(name)},
                "cannot read dynamic partitions", [](const SqlRow& row) { return row.text(0); });
  }

  void add_dynamic_partitions(const std::string& name, const std::vector<std::string>& keys) override {
    for (const auto& key : keys) validate_partition_key_for_storage(key, "dynamic partitions '" + name + "'");
    std::lock_guard lock(mutex_);
    transaction([&] {
      take_lock(dialect_.lock_dynamic_partitions, {});  // positions stay dense and ordered
      for (const auto& key : keys) {
        run("INSERT INTO dynamic_partitions(name, partition, position) VALUES(?1, ?2, (SELECT COALESCE(MAX(position), "
            "0) + 1 FROM dynamic_partitions WHERE name=?1)) ON CONFLICT(name, partition) DO NOTHING",
            {stored_text(name), stored_text(key)}, "cannot add dynamic partitions");
      }
    });
  }

  void delete_dynamic_partition(const std::string& name, const std::string& key) override {
    std::lock_guard lock(mutex_);
    run("DELETE FROM dynamic_partitions WHERE name=?1 AND partition=?2", {stored_text(name), stored_text(key)},
        "cannot delete a dynamic partition");
  }

  // --- backfills ---

  void add_backfill(const BackfillRecord& record) override {
    BackfillRecord backfill = stored_backfill(record);
    std::lock_guard lock(mutex_);
    run(std::string("INSERT INTO backfills(") + kBackfillColumns + ") VALUES(" + kTwelveValues + ")",
        backfill_params(backfill), "cannot record backfill " + backfill.backfill_id);
  }

  void update_backfill(const std::string& backfill_id, const std::string& status, int64_t runs_succeeded,
                       int64_t runs_failed, int64_t end_time_us) override {
    std::lock_guard lock(mutex_);
    if (run("UPDATE backfills SET status=?1, runs_succeeded=?2, runs_failed=?3, end_time=?4 WHERE backfill_id=?5",
            {stored_text(status), runs_succeeded, runs_failed, end_time_us, stored_text(backfill_id)},
            "cannot update backfill " + backfill_id) == 0) {
      throw StorageError("no backfill " + backfill_id + " in " + describe());
    }
  }

  std::optional<BackfillRecord> get_backfill(const std::string& backfill_id) override {
    std::lock_guard lock(mutex_);
    return read_one(select(kBackfillColumns, " FROM backfills WHERE backfill_id=?1"), {stored_text(backfill_id)},
                    "cannot read backfill", read_backfill);
  }

  std::vector<BackfillRecord> backfills(int limit) override {
    std::lock_guard lock(mutex_);
    return read(select(kBackfillColumns, " FROM backfills ORDER BY create_time DESC, backfill_id DESC LIMIT ?1"),
                {limit}, "cannot list backfills", read_backfill);
  }

  std::vector<BackfillRecord> active_backfills() override {
    std::lock_guard lock(mutex_);
    return read(select(kBackfillColumns,
                       " FROM backfills WHERE status IN ('REQUESTED', 'RUNNING', 'CANCELING') ORDER BY create_time, "
                       "backfill_id"),
                {}, "cannot list backfills", read_backfill);
  }

  bool add_backfill_run(const std::string& backfill_id, int64_t chunk, const QueuedRun& queued) override {
    RunRecord record = stored_run(queued.run);
    std::lock_guard lock(mutex_);
    return add_backfill_entry(backfill_id, chunk, record.run_id, "", [&] { insert_queued_run(record, queued.launch); });
  }

  bool add_backfill_chunk_error(const std::string& backfill_id, int64_t chunk, const std::string& error) override {
    std::lock_guard lock(mutex_);
    return add_backfill_entry(backfill_id, chunk, "", error, [] {});
  }

  std::vector<BackfillRunRecord> backfill_runs(const std::string& backfill_id) override {
    std::lock_guard lock(mutex_);
    return read(kBackfillRunsSql, {stored_text(backfill_id)}, "cannot read the runs of backfill " + backfill_id,
                [](const SqlRow& row) {
                  std::optional<std::string> status = row.optional_text(3);
                  return BackfillRunRecord{row.integer(0), row.text(1), row.text(2),
                                           status ? run_status_from_name(*status) : std::nullopt};
                });
  }

  bool update_backfill_if(const std::string& backfill_id, const std::string& expected,
                          const BackfillRecord& progress) override {
    BackfillRecord b = stored_backfill(progress);
    std::lock_guard lock(mutex_);
    return run(kUpdateBackfillIfSql,
               {b.status, b.runs_succeeded, b.runs_failed, b.runs_canceled, b.end_time_us, b.error,
                stored_text(backfill_id), stored_text(expected)},
               "cannot update backfill " + backfill_id) > 0;
  }

  // --- run queue ---

  void enqueue_run(const RunRecord& record, const std::string& launch) override {
    std::lock_guard lock(mutex_);
    transaction([&] {
      take_lock(dialect_.lock_queue, {});
      insert_queued_run(record, launch);
    });
  }

  std::vector<QueuedRun> queued_runs() override {
    std::lock_guard lock(mutex_);
    return read_queue();
  }

  std::vector<QueuedRun> dequeue_runs(const DequeueDecision& decide, const RunOwner& owner, int64_t time_us) override {
    std::lock_guard lock(mutex_);
    std::vector<QueuedRun> claimed;
    transaction([&] {
      take_lock(dialect_.lock_queue, {});  // one dequeuer at a time, across processes
      std::vector<QueuedRun> queued = read_queue();
      std::vector<RunRecord> in_progress =
          read(select(kRunColumns, std::string(" FROM runs WHERE ") + kInProgressCondition), {},
               "cannot read the runs in progress", read_run);
      claimed.clear();
      for (size_t index : decide(queued, in_progress)) {
        QueuedRun& chosen = queued.at(index);
        const std::string& run_id = chosen.run.run_id;
        if (run(kClaimRunSql, {owner.host, owner.pid, owner.start_ticks, time_us, run_id}, "cannot start run") == 0) {
          continue;  // no longer QUEUED
        }
        run("DELETE FROM run_queue WHERE run_id=?1", {run_id}, "cannot dequeue run");
        std::vector<EventRow> rows{to_row(run_dequeued_event(run_id, owner, time_us))};
        write_events(rows, false);
        chosen.run.status = RunStatus::kStarted;
        chosen.run.owner_host = owner.host;
        chosen.run.owner_pid = owner.pid;
        chosen.run.owner_start_ticks = owner.start_ticks;
        chosen.run.start_time_us = time_us;
        claimed.push_back(std::move(chosen));
      }
      // Entries of runs no longer QUEUED (canceled while waiting) leave the queue.
      run(kRemoveStaleQueueEntriesSql, {}, "cannot clean the run queue");
    });
    return claimed;
  }

  // --- concurrency pools ---

  bool claim_pool_slot(const PoolSlot& slot, int64_t limit) override {
    std::lock_guard lock(mutex_);
    bool claimed = false;
    transaction([&] {
      take_lock(dialect_.lock_pool, {stored_text(slot.pool)});
      std::pair<int64_t, bool> held =
          *read_one(kPoolCountSql, slot_params(slot), "cannot read pool " + slot.pool,
                    [](const SqlRow& row) { return std::pair<int64_t, bool>(row.integer(0), row.integer(1) > 0); });
      bool mine = held.second;
      claimed = mine || held.first < limit;
      if (!claimed || mine) return;
      SqlParams p = slot_params(slot);
      p.emplace_back(now_unix_us());
      run(kPoolInsertSql, p, "cannot claim a slot of pool " + slot.pool);
    });
    return claimed;
  }

  void release_pool_slot(const PoolSlot& slot) override {
    std::lock_guard lock(mutex_);
    run(kPoolReleaseSql, slot_params(slot), "cannot free a slot of pool " + slot.pool);
  }

  int64_t release_pool_slots_of_run(const std::string& run_id) override {
    std::lock_guard lock(mutex_);
    return run("DELETE FROM pool_slots WHERE run_id=?1", {stored_text(run_id)}, "cannot free the slots of " + run_id);
  }

  std::vector<PoolSlot> pool_slots(const std::string& pool) override {
    std::lock_guard lock(mutex_);
    return read(kPoolSlotsSql, {stored_text(pool)}, "cannot read pool " + pool, [](const SqlRow& row) {
      return PoolSlot{row.text(0), row.text(1), row.text(2)};
    });
  }

  // --- schedules, sensors and the daemon ---

  std::vector<InstigatorState> instigator_states() override {
    std::lock_guard lock(mutex_);
    return read("SELECT name, kind, status, cursor, last_tick_time FROM instigators ORDER BY name", {},
                "cannot read schedule and sensor states", [](const SqlRow& row) {
                  return InstigatorState{row.text(0), row.text(1), instigator_status_from_column(row.text(2)),
                                         row.text(3), row.integer(4)};
                });
  }

  void set_instigator_status(const std::string& name, const std::string& kind, InstigatorStatus status) override {
    std::lock_guard lock(mutex_);
    run(kSetInstigatorStatusSql, {stored_text(name), kind, std::string(instigator_status_name(status))},
        "cannot set the status of " + name);
  }

  std::vector<TickRecord> commit_ticks(const std::vector<TickCommit>& commits) override {
    std::lock_guard lock(mutex_);
    std::vector<TickRecord> recorded;
    transaction([&] {
      recorded.clear();
      bool has_runs = false;
      for (const TickCommit& commit : commits) has_runs = has_runs || !commit.runs.empty();
      if (has_runs) take_lock(dialect_.lock_queue, {});
      for (const TickCommit& commit : commits) {
        TickRecord tick = commit.tick;
        tick.instigator = stored_text(tick.instigator);
        tick.run_ids.clear();
        for (const KeyedRun& keyed : commit.runs) tick.run_ids.push_back(queue_keyed_run(tick.instigator, keyed));
        if (!tick.status.empty()) {
          run(std::string("INSERT INTO ticks(") + kTickColumns +
                  ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(instigator, tick_time) DO NOTHING",
              {tick.instigator, tick.kind, tick.tick_time_us, tick.status, nlohmann::json(tick.run_ids).dump(),
               stored_text(tick.skip_reason), stored_text(tick.error), stored_text(tick.cursor), tick.timestamp_us},
              "cannot record a tick of " + tick.instigator);
        }
        run(kAdvanceInstigatorSql,
            {tick.instigator, tick.kind, stored_text(commit.cursor.value_or("")), commit.cursor ? 1 : 0,
             commit.last_tick_time_us},
            "cannot record the state of " + tick.instigator);
        if (!tick.status.empty()) recorded.push_back(std::move(tick));
      }
    });
    return recorded;
  }

  std::vector<TickRecord> ticks(const std::string& instigator, int limit) override {
    std::lock_guard lock(mutex_);
    return read(select(kTickColumns, " FROM ticks WHERE instigator=?1 ORDER BY tick_time DESC LIMIT ?2"),
                {stored_text(instigator), limit}, "cannot read the ticks of " + instigator, read_tick);
  }

  void record_daemon_heartbeat(const DaemonHeartbeat& heartbeat) override {
    std::lock_guard lock(mutex_);
    run(kHeartbeatSql,
        {stored_text(heartbeat.loop), stored_text(heartbeat.daemon_id), heartbeat.time_us,
         stored_text(heartbeat.last_error)},
        "cannot record the heartbeat of " + heartbeat.loop);
  }

  std::vector<DaemonHeartbeat> daemon_heartbeats() override {
    std::lock_guard lock(mutex_);
    return read("SELECT loop, daemon_id, time, last_error, last_error_time FROM daemon_heartbeats ORDER BY loop", {},
                "cannot read the daemon heartbeats", [](const SqlRow& row) {
                  return DaemonHeartbeat{row.text(0), row.text(1), row.integer(2), row.text(3), row.integer(4)};
                });
  }

  bool acquire_daemon_lease(const std::string& holder, int64_t now_us, int64_t ttl_us) override {
    std::lock_guard lock(mutex_);
    return run(kAcquireLeaseSql, {stored_text(holder), now_us, now_us + ttl_us}, "cannot take the daemon lease") > 0;
  }

  void release_daemon_lease(const std::string& holder) override {
    std::lock_guard lock(mutex_);
    run("DELETE FROM daemon_lease WHERE name='daemon' AND holder=?1", {stored_text(holder)},
        "cannot release the daemon lease");
  }

  std::optional<DaemonLease> daemon_lease() override {
    std::lock_guard lock(mutex_);
    return read_one("SELECT holder, acquired, expires FROM daemon_lease WHERE name='daemon'", {},
                    "cannot read the daemon lease", [](const SqlRow& row) {
                      return DaemonLease{row.text(0), row.integer(1), row.integer(2)};
                    });
  }

 private:
  int64_t run(const std::string& sql, const SqlParams& params, const std::string& what) {
    return conn_->run(sql, params, {}, what);
  }

  // Every row of the result, mapped by `map`.
  template <class Map, class Record = std::invoke_result_t<Map&, const SqlRow&>>
  std::vector<Record> read(const std::string& sql, const SqlParams& params, const std::string& what, Map&& map) {
    std::vector<Record> out;
    conn_->run(
        sql, params, [&](const SqlRow& row) { out.push_back(map(row)); }, what);
    return out;
  }

  // The first row of the result, mapped by `map`.
  template <class Map, class Record = std::invoke_result_t<Map&, const SqlRow&>>
  std::optional<Record> read_one(const std::string& sql, const SqlParams& params, const std::string& what, Map&& map) {
    std::optional<Record> out;
    conn_->run(
        sql, params,
        [&](const SqlRow& row) {
          if (!out) out = map(row);
        },
        what);
    return out;
  }

  int64_t read_integer(const std::string& sql, const SqlParams& params, const std::string& what) {
    return read_one(sql, params, what, [](const SqlRow& row) { return row.integer(0); }).value_or(0);
  }

  // Runs `body` in one transaction: committed when it returns, rolled back when it throws.
  template <class Body>
  void transaction(Body&& body) {
    conn_->exec(dialect_.begin_transaction);
    try {
      body();
      conn_->exec("COMMIT");
    } catch (...) {
      conn_->exec_noexcept("ROLLBACK");
      throw;
    }
  }

  // Takes one of the dialect's transaction locks (nothing when the dialect needs none).
  void take_lock(const char* sql, const SqlParams& params) {
    if (*sql != '\0') run(sql, params, "cannot take a lock");
  }

  // Sets an existing run's status and its start or end time (in the caller's transaction, when there
  // is one); throws StorageError when there is no such run.
  void set_run_status(const std::string& run_id, RunStatus status, int64_t time_us) {
    if (run("UPDATE runs SET status=?1, " + run_time_assignment(status, "?2") + " WHERE run_id=?3",
            {std::string(run_status_name(status)), time_us, stored_text(run_id)}, "cannot update run " + run_id) == 0) {
      throw StorageError("no run " + run_id + " in " + describe());
    }
  }

  // Inserts `record` (in the caller's transaction, when there is one).
  void insert_run(const RunRecord& record) {
    RunRecord run_record = stored_run(record);
    run(std::string("INSERT INTO runs(") + kRunColumns + ") VALUES(" + kTwelveValues + ")", run_params(run_record),
        "cannot record run " + run_record.run_id);
  }

  // Records `record` as QUEUED with its launch document and RUN_ENQUEUED event (in the caller's
  // transaction, queue locked).
  void insert_queued_run(const RunRecord& record, const std::string& launch) {
    RunRecord queued = stored_run(record);
    queued.status = RunStatus::kQueued;
    insert_run(queued);
    run(kEnqueueSql, {queued.run_id, stored_text(launch)}, "cannot queue run " + queued.run_id);
    std::vector<EventRow> rows{to_row(run_enqueued_event(queued.run_id, queued.create_time_us))};
    write_events(rows, false);
  }

  // The QUEUED runs with their launch documents, in submission order.
  std::vector<QueuedRun> read_queue() {
    return read(select(kRunColumns,
                       ", q.position, q.launch FROM runs JOIN run_queue q USING (run_id) WHERE status='QUEUED' ORDER "
                       "BY q.position"),
                {}, "cannot read the run queue", read_queued);
  }

  // add_backfill_run and add_backfill_chunk_error (inside the caller's lock): in one transaction,
  // the chunk's entry and `create_run` when the backfill still takes runs and the chunk has none.
  // The backfill's row stays locked until the end, so a cancel waits for it.
  template <class CreateRun>
  bool add_backfill_entry(const std::string& backfill_id, int64_t chunk, const std::string& run_id,
                          const std::string& error, CreateRun&& create_run) {
    bool added = false;
    transaction([&] {
      std::optional<std::string> status =
          read_one(std::string("SELECT status FROM backfills WHERE backfill_id=?1") + dialect_.lock_selected_row,
                   {stored_text(backfill_id)}, "cannot read backfill " + backfill_id,
                   [](const SqlRow& row) { return row.text(0); });
      if (!status) throw StorageError("no backfill " + backfill_id + " in " + describe());
      if (!backfill_takes_runs(*status)) return;
      take_lock(dialect_.lock_queue, {});
      if (run(kInsertBackfillRunSql, {stored_text(backfill_id), chunk, stored_text(run_id), stored_text(error)},
              "cannot record a run of backfill " + backfill_id) == 0) {
        return;
      }
      create_run();
      run("UPDATE backfills SET status='RUNNING' WHERE backfill_id=?1 AND status='REQUESTED'",
          {stored_text(backfill_id)}, "cannot update backfill " + backfill_id);
      added = true;
    });
    return added;
  }

  // Queues `keyed` unless its key was used (inside the caller's transaction, queue locked); returns
  // the run id the key stands for.
  std::string queue_keyed_run(const std::string& instigator, const KeyedRun& keyed) {
    if (!keyed.run_key.empty()) {
      if (run(kClaimRunKeySql,
              {instigator, stored_text(keyed.run_key), stored_text(keyed.run.run_id), keyed.run.create_time_us},
              "cannot claim run key " + keyed.run_key) == 0) {
        return read_one("SELECT run_id FROM run_keys WHERE instigator=?1 AND run_key=?2",
                        {instigator, stored_text(keyed.run_key)}, "cannot read run key " + keyed.run_key,
                        [](const SqlRow& row) { return row.text(0); })
            .value_or("");
      }
    }
    insert_queued_run(keyed.run, keyed.launch);
    return stored_text(keyed.run.run_id);
  }

  // Writes `rows` (in the caller's transaction) and keeps the asset catalog up to date.
  void write_events(std::vector<EventRow>& rows, bool row_by_row) {
    std::vector<int64_t> ids = conn_->insert_events(rows, row_by_row);
    update_catalog(rows, ids);
  }

  // The asset catalog after `rows` were written with ids `ids`: each asset's newest materialization
  // and failure of the batch, the assets observed, and each partition's newest state.
  void update_catalog(const std::vector<EventRow>& rows, const std::vector<int64_t>& ids) {
    const std::string materialization = event_type_name(EventType::kMaterialization);
    const std::string failed = event_type_name(EventType::kMaterializationFailed);
    const std::string observation = event_type_name(EventType::kObservation);
    std::map<std::string, size_t> latest;          // asset key → row of its newest materialization in this batch
    std::map<std::string, size_t> latest_failure;  // asset key → row of its newest failure in this batch
    std::vector<std::string> observed;
    // (asset key, partition) → row of its newest materialization or failure in this batch
    std::map<std::pair<std::string, std::string>, size_t> partition_states;
    for (size_t i = 0; i < rows.size(); ++i) {
      const EventRow& row = rows[i];
      if (!row.asset_key) continue;
      if (row.partition && (row.event_type == materialization || row.event_type == failed)) {
        partition_states[{*row.asset_key, *row.partition}] = i;
      }
      if (row.event_type == materialization) latest[*row.asset_key] = i;
      if (row.event_type == observation) observed.push_back(*row.asset_key);
      if (row.event_type == failed) latest_failure[*row.asset_key] = i;
    }
    const std::string what = "cannot update the asset catalog";
    for (const auto& [key, i] : latest_failure) run(kRecordFailureSql, {key, ids[i], rows[i].run_id}, what);
    for (const auto& [key, i] : latest) {
      run(kRecordMaterializationSql, {key, ids[i], rows[i].run_id, rows[i].timestamp_us, rows[i].partition}, what);
    }
    for (const auto& key : observed) {
      run("INSERT INTO asset_keys(asset_key) VALUES(?1) ON CONFLICT(asset_key) DO NOTHING", {key}, what);
    }
    // One multi-row upsert per dialect_.rows_per_insert states; keys are unique within the map, as
    // ON CONFLICT requires.
    auto it = partition_states.begin();
    while (it != partition_states.end()) {
      std::string sql = "INSERT INTO asset_partitions(asset_key, partition, last_event_id, status) VALUES ";
      SqlParams p;
      for (size_t n = 0; it != partition_states.end() && n < dialect_.rows_per_insert; ++it, ++n) {
        size_t base = p.size();
        p.insert(p.end(), {it->first.first, it->first.second, ids[it->second], rows[it->second].event_type});
        sql += (n ? ",(?" : "(?") + std::to_string(base + 1) + ",?" + std::to_string(base + 2) + ",CAST(?" +
               std::to_string(base + 3) + " AS BIGINT),?" + std::to_string(base + 4) + ")";
      }
      sql +=
          " ON CONFLICT(asset_key, partition) DO UPDATE SET last_event_id=excluded.last_event_id, "
          "status=excluded.status WHERE excluded.last_event_id > asset_partitions.last_event_id";
      run(sql, p, "cannot update partition status");
    }
  }

  std::unique_ptr<SqlConnection> conn_;
  const SqlDialect& dialect_;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Storage> make_sql_storage(std::unique_ptr<SqlConnection> connection) {
  return std::make_unique<SqlStorage>(std::move(connection));
}

}  // namespace strata::storage_detail
