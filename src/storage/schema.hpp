// The instance schema (version Storage::kSchemaVersion), written once for both SQL dialects.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "strata/storage/instigator_records.hpp"
#include "strata/storage/run_queue.hpp"
#include "strata/storage/run_record.hpp"

namespace strata::storage_detail {

enum class Dialect { kSqlite, kPostgres };

// The assignment of a run's time column when its status changes to `next`, with the timestamp as
// parameter `time_param` ("?2", "$2"): "end_time=?2" for a finished status, "start_time=?2" for
// STARTED, and one that keeps end_time (but still uses the parameter) for any other status.
std::string run_time_assignment(RunStatus next, const std::string& time_param);

// CREATE statements for a version-1 database, in order (run inside the caller's transaction).
std::vector<const char*> schema_statements(Dialect dialect);

// The statements that take a database from version `from` to `from + 1` (same dialect in both:
// plain SQL both SQLite and PostgreSQL accept). Applied in order by the backends when they open an
// older database, inside one transaction with the version update.
std::vector<const char*> migration_statements(int from);

// Brings a database from `found_version` (0: a fresh database without the version table) to
// Storage::kSchemaVersion with `exec`, inside the caller's transaction. Throws StorageError naming
// `database` when the database is newer than this build (`unchanged` says what was not touched).
void upgrade_schema(Dialect dialect, int64_t found_version, const std::function<void(const std::string&)>& exec,
                    const std::string& database, const std::string& unchanged);

}  // namespace strata::storage_detail

namespace strata::storage_detail {

// The SQL of the run queue and the pool slots, shared by both backends: written with SQLite's ?N
// parameters; for_dialect() gives PostgreSQL's $N.
std::string for_dialect(Dialect dialect, const char* sql);

// Storage::dequeue_runs after reading the queue: claims the runs `decide` chooses, each with
// `claim(run_id)` (the backend's conditional update, queue removal and RUN_DEQUEUED event: false
// when the run is no longer QUEUED), and returns them as claimed (STARTED by `owner` at `time_us`).
std::vector<QueuedRun> claim_chosen(const DequeueDecision& decide, std::vector<QueuedRun> queued,
                                    const std::vector<RunRecord>& in_progress, const RunOwner& owner, int64_t time_us,
                                    const std::function<bool(const std::string& run_id)>& claim);

// ?1 run id, ?2 launch document: appends to the queue (inside the caller's exclusive transaction).
inline constexpr const char* kEnqueueSql =
    "INSERT INTO run_queue(position, run_id, launch) SELECT COALESCE(MAX(position), 0) + 1, ?1, ?2 FROM run_queue";
// The run columns of both backends' read_run, then the queue position and the launch document.
inline constexpr const char* kQueueSelectSql =
    "SELECT r.run_id, r.job_name, r.selection, r.status, r.tags, r.run_config, r.owner_host, r.owner_pid, "
    "r.owner_start_ticks, r.create_time, r.start_time, r.end_time, q.position, q.launch FROM run_queue q JOIN runs r "
    "ON r.run_id=q.run_id WHERE r.status='QUEUED' ORDER BY q.position";
inline constexpr const char* kInProgressCondition = "status IN ('STARTED', 'CANCELING')";
// ?1 host, ?2 pid, ?3 start ticks, ?4 start time, ?5 run id: claims a run still QUEUED.
inline constexpr const char* kClaimRunSql =
    "UPDATE runs SET status='STARTED', owner_host=?1, owner_pid=?2, owner_start_ticks=?3, start_time=?4 WHERE "
    "run_id=?5 AND status='QUEUED'";
inline constexpr const char* kRemoveStaleQueueEntriesSql =
    "DELETE FROM run_queue WHERE run_id NOT IN (SELECT run_id FROM runs WHERE status='QUEUED')";
// ?1 pool, ?2 run id, ?3 step key: the slots held in the pool, and whether this step holds one.
inline constexpr const char* kPoolCountSql =
    "SELECT count(*), COALESCE(SUM(CASE WHEN run_id=?2 AND step_key=?3 THEN 1 ELSE 0 END), 0) FROM pool_slots "
    "WHERE pool=?1";
// ?1 pool, ?2 run id, ?3 step key, ?4 time.
inline constexpr const char* kPoolInsertSql =
    "INSERT INTO pool_slots(pool, run_id, step_key, claim_time) VALUES(?1, ?2, ?3, ?4)";
inline constexpr const char* kPoolReleaseSql = "DELETE FROM pool_slots WHERE pool=?1 AND run_id=?2 AND step_key=?3";
inline constexpr const char* kPoolReleaseRunSql = "DELETE FROM pool_slots WHERE run_id=?1";
// Backfills: the columns both backends read (read_backfill) and write, in this order.
inline constexpr const char* kBackfillColumns =
    "backfill_id, selection, partitions, status, num_runs, runs_succeeded, runs_failed, create_time, end_time, "
    "launch, runs_canceled, error";
inline constexpr const char* kActiveBackfillsSql =
    "SELECT backfill_id, selection, partitions, status, num_runs, runs_succeeded, runs_failed, create_time, "
    "end_time, launch, runs_canceled, error FROM backfills WHERE status IN ('REQUESTED', 'RUNNING', 'CANCELING') "
    "ORDER BY create_time, backfill_id";
// ?1 backfill id, ?2 chunk, ?3 run id, ?4 error: a chunk's entry, unless it has one.
inline constexpr const char* kInsertBackfillRunSql =
    "INSERT INTO backfill_runs(backfill_id, chunk, run_id, error) VALUES(?1, ?2, ?3, ?4) ON CONFLICT(backfill_id, "
    "chunk) DO NOTHING";
inline constexpr const char* kBackfillStartedSql =
    "UPDATE backfills SET status='RUNNING' WHERE backfill_id=?1 AND status='REQUESTED'";
inline constexpr const char* kBackfillRunsSql =
    "SELECT b.chunk, b.run_id, b.error, r.status FROM backfill_runs b LEFT JOIN runs r ON r.run_id=b.run_id WHERE "
    "b.backfill_id=?1 ORDER BY b.chunk";
// ?1 status, ?2 succeeded, ?3 failed, ?4 canceled, ?5 end time, ?6 error, ?7 backfill id, ?8 expected status.
inline constexpr const char* kUpdateBackfillIfSql =
    "UPDATE backfills SET status=?1, runs_succeeded=?2, runs_failed=?3, runs_canceled=?4, end_time=?5, error=?6 "
    "WHERE backfill_id=?7 AND status=?8";
// Whether a backfill in this status may get new runs.
inline bool backfill_takes_runs(const std::string& status) { return status == "REQUESTED" || status == "RUNNING"; }

inline constexpr const char* kPoolSlotsSql =
    "SELECT pool, run_id, step_key FROM pool_slots WHERE pool=?1 ORDER BY claim_time, run_id, step_key";

}  // namespace strata::storage_detail

namespace strata::storage_detail {

// The SQL of schedules, sensors and the daemon (schema version 4), shared by both backends.
// ?1 name, ?2 kind, ?3 status. Started again (from stopped or the code's default), a schedule
// ticks from its next evaluation: its last tick time is forgotten.
inline constexpr const char* kSetInstigatorStatusSql =
    "INSERT INTO instigators(name, kind, status) VALUES(?1, ?2, ?3) ON CONFLICT(name) DO UPDATE SET "
    "status=excluded.status, kind=excluded.kind, last_tick_time=CASE WHEN excluded.status='RUNNING' AND "
    "instigators.status<>'RUNNING' THEN 0 ELSE instigators.last_tick_time END";
inline constexpr const char* kInstigatorStatesSql =
    "SELECT name, kind, status, cursor, last_tick_time FROM instigators ORDER BY name";
// ?1 instigator, ?2 run key, ?3 run id, ?4 time: claims the key; no row changed when it was used.
inline constexpr const char* kClaimRunKeySql =
    "INSERT INTO run_keys(instigator, run_key, run_id, create_time) VALUES(?1, ?2, ?3, ?4) ON CONFLICT(instigator, "
    "run_key) DO NOTHING";
inline constexpr const char* kRunForKeySql = "SELECT run_id FROM run_keys WHERE instigator=?1 AND run_key=?2";
// ?1..?9: the tick's columns.
inline constexpr const char* kInsertTickSql =
    "INSERT INTO ticks(instigator, kind, tick_time, status, run_ids, skip_reason, error, cursor, timestamp) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(instigator, tick_time) DO NOTHING";
inline constexpr const char* kTickColumns =
    "instigator, kind, tick_time, status, run_ids, skip_reason, error, cursor, timestamp";
// ?1 name, ?2 kind, ?3 cursor, ?4 whether to set the cursor (1/0), ?5 last tick time.
inline constexpr const char* kAdvanceInstigatorSql =
    "INSERT INTO instigators(name, kind, cursor, last_tick_time) VALUES(?1, ?2, ?3, ?5) ON CONFLICT(name) DO UPDATE "
    "SET cursor=CASE WHEN ?4=1 THEN excluded.cursor ELSE instigators.cursor END, last_tick_time=CASE WHEN "
    "excluded.last_tick_time > instigators.last_tick_time THEN excluded.last_tick_time ELSE "
    "instigators.last_tick_time END";
// ?1 loop, ?2 daemon id, ?3 time, ?4 error ('' keeps the last one).
inline constexpr const char* kHeartbeatSql =
    "INSERT INTO daemon_heartbeats(loop, daemon_id, time, last_error, last_error_time) VALUES(?1, ?2, ?3, ?4, CASE "
    "WHEN ?4='' THEN CAST(0 AS BIGINT) ELSE CAST(?3 AS BIGINT) END) ON CONFLICT(loop) DO UPDATE SET "
    "daemon_id=excluded.daemon_id, time=excluded.time, "
    "last_error=CASE WHEN excluded.last_error='' THEN daemon_heartbeats.last_error ELSE excluded.last_error END, "
    "last_error_time=CASE WHEN excluded.last_error='' THEN daemon_heartbeats.last_error_time ELSE excluded.time END";
inline constexpr const char* kHeartbeatsSql =
    "SELECT loop, daemon_id, time, last_error, last_error_time FROM daemon_heartbeats ORDER BY loop";
// ?1 holder, ?2 now, ?3 expiry: takes the lease when free, expired or already the holder's.
inline constexpr const char* kAcquireLeaseSql =
    "INSERT INTO daemon_lease(name, holder, acquired, expires) VALUES('daemon', ?1, ?2, ?3) ON CONFLICT(name) DO "
    "UPDATE SET holder=excluded.holder, expires=excluded.expires, acquired=CASE WHEN daemon_lease.holder=?1 THEN "
    "daemon_lease.acquired ELSE excluded.acquired END WHERE daemon_lease.holder=?1 OR daemon_lease.expires < ?2";
inline constexpr const char* kReleaseLeaseSql = "DELETE FROM daemon_lease WHERE name='daemon' AND holder=?1";
inline constexpr const char* kLeaseSql = "SELECT holder, acquired, expires FROM daemon_lease WHERE name='daemon'";

// The status column of an instigator state ('' = none set).
std::optional<InstigatorStatus> instigator_status_from_column(const std::string& text);

}  // namespace strata::storage_detail
