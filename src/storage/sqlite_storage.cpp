// The SQLite backend: one connection per Storage object (guarded by a mutex), WAL journal so
// readers never block the writer, BEGIN IMMEDIATE + busy timeout so concurrent writers from other
// processes wait their turn, synchronous=FULL so a committed batch survives a crash. A failure is
// worded by its cause (sqlite_failure.hpp); when the file cannot be written (full disk, read-only
// file system...), it is opened read-only instead, so that what is stored stays readable.
#include <sqlite3.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "event_row.hpp"
#include "schema.hpp"
#include "stored_json.hpp"
#include "stored_text.hpp"
#include "strata/core/error.hpp"
#include "strata/core/storage_location.hpp"
#include "strata/storage/backends.hpp"
#include "strata/storage/sqlite_failure.hpp"

namespace strata {
namespace {

using storage_detail::EventRow;
using storage_detail::stored_key;
using storage_detail::stored_text;

// An open connection and what its errors need: the file's path and, when the file was opened
// read-only because writing it failed, that failure (what every write then reports).
struct Connection {
  sqlite3* db = nullptr;
  std::filesystem::path path;
  std::optional<SqliteError> read_only_because;

  // Throws the failure of the last call on `db` (`rc` when there is no handle), worded by its cause.
  [[noreturn]] void fail(int rc, const std::string& context = "") const {
    int code = db ? sqlite3_extended_errcode(db) : rc;
    if ((code & 0xFF) == SQLITE_READONLY && read_only_because) {
      throw SqliteError(read_only_because->kind(), context + read_only_because->what());
    }
    int system_errno = db ? sqlite3_system_errno(db) : 0;
    if (system_errno == 0 && ((code & 0xFF) == SQLITE_READONLY || (code & 0xFF) == SQLITE_IOERR)) {
      system_errno = write_failure_errno(path.string());  // SQLite lost (or never had) the OS's reason
    }
    SqliteFailureKind kind = classify_sqlite_failure(code, system_errno);
    throw SqliteError(
        kind, context + sqlite_failure_message(kind, path.string(), db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  }
};

class Statement {
 public:
  Statement(const Connection& connection, const std::string& sql) : connection_(connection) {
    int rc = sqlite3_prepare_v3(connection.db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) connection.fail(rc);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& text) {
    check(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& bind(int index, const std::optional<std::string>& text) {
    return text ? bind(index, *text) : bind_null(index);
  }
  Statement& bind(int index, int64_t value) {
    check(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }
  Statement& bind_null(int index) {
    check(sqlite3_bind_null(stmt_, index));
    return *this;
  }
  // Steps once: true when a row is available.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    connection_.fail(rc);
  }
  void run() {
    while (step()) {
    }
    reset();
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return data ? std::string(data, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
  }
  std::optional<std::string> optional_text(int column) const {
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
    return text(column);
  }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) connection_.fail(rc);
  }
  const Connection& connection_;
  sqlite3_stmt* stmt_ = nullptr;
};

std::map<std::string, std::string> tags_from_json(const std::string& text, const std::string& run_id) {
  if (text.empty()) return {};
  return storage_detail::stored_json<std::map<std::string, std::string>>(text, "run '" + run_id + "': stored tags");
}

class SqliteStorage : public Storage {
 public:
  explicit SqliteStorage(const std::filesystem::path& path) : path_(path) {
    conn_.path = path;
    try {
      connect(path.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
      // Reading the catalog first: a corrupted or foreign file fails here, before anything is written.
      probe();
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=FULL");
      exec("PRAGMA foreign_keys=ON");
      ensure_schema();
    } catch (const SqliteError& e) {
      disconnect();
      if (!blocks_only_writing(e.kind())) throw;
      open_read_only(e);
    } catch (...) {
      disconnect();
      throw;
    }
  }
  ~SqliteStorage() override { disconnect(); }

  std::string describe() const override { return "sqlite:" + path_.string(); }

  void add_run(const RunRecord& record) override {
    std::lock_guard lock(mutex_);
    insert_run(record);
  }

  void update_run_status(const std::string& run_id, RunStatus status, int64_t time_us) override {
    std::lock_guard lock(mutex_);
    const char* sql = status == RunStatus::kStarted ? "UPDATE runs SET status=?1, start_time=?2 WHERE run_id=?3"
                      : is_finished(status)         ? "UPDATE runs SET status=?1, end_time=?2 WHERE run_id=?3"
                                                    : "UPDATE runs SET status=?1 WHERE run_id=?3 AND ?2 IS NOT NULL";
    auto& update = statement(sql);
    update.bind(1, std::string(run_status_name(status))).bind(2, time_us).bind(3, stored_text(run_id)).run();
    if (sqlite3_changes(conn_.db) == 0) throw StorageError("no run " + run_id + " in " + describe());
  }

  std::optional<RunRecord> get_run(const std::string& run_id) override {
    std::lock_guard lock(mutex_);
    auto& select = statement(std::string("SELECT ") + kRunColumns + " FROM runs WHERE run_id=?1");
    select.bind(1, stored_text(run_id));
    std::optional<RunRecord> run;
    if (select.step()) run = read_run(select);
    select.reset();
    return run;
  }

  std::vector<RunRecord> runs(const RunFilter& filter) override {
    std::lock_guard lock(mutex_);
    std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE 1=1";
    if (filter.status) sql += " AND status=?1";
    if (filter.job_name) sql += " AND job_name=?2";
    if (filter.asset_key) {
      sql +=
          " AND run_id IN (SELECT DISTINCT run_id FROM event_logs WHERE asset_key=?3 AND "
          "event_type='ASSET_MATERIALIZATION')";
    }
    if (filter.created_after_us) sql += " AND create_time>=?4";
    if (filter.created_before_us) sql += " AND create_time<?5";
    sql += " ORDER BY create_time DESC, run_id DESC LIMIT ?6";
    Statement select(conn_, sql);
    if (filter.status) select.bind(1, std::string(run_status_name(*filter.status)));
    if (filter.job_name) select.bind(2, *filter.job_name);
    if (filter.asset_key) select.bind(3, stored_key(*filter.asset_key));
    if (filter.created_after_us) select.bind(4, *filter.created_after_us);
    if (filter.created_before_us) select.bind(5, *filter.created_before_us);
    select.bind(6, static_cast<int64_t>(filter.limit));
    std::vector<RunRecord> out;
    while (select.step()) out.push_back(read_run(select));
    return out;
  }

  void append_events(const std::vector<Event>& events) override {
    if (events.empty()) return;
    std::lock_guard lock(mutex_);
    transaction([&] { insert_events(events); });
  }

  bool update_run_status_if(const std::string& run_id, RunStatus expected, RunStatus next,
                            const Event& event) override {
    std::lock_guard lock(mutex_);
    bool changed = false;
    transaction([&] {
      statement(std::string("UPDATE runs SET status=?1, ") + storage_detail::run_time_assignment(next, "?2") +
                " WHERE run_id=?3 AND status=?4")
          .bind(1, std::string(run_status_name(next)))
          .bind(2, event.timestamp_us)
          .bind(3, stored_text(run_id))
          .bind(4, std::string(run_status_name(expected)))
          .run();
      changed = sqlite3_changes(conn_.db) > 0;
      if (changed) insert_events({event});
    });
    return changed;
  }

  void enqueue_run(const RunRecord& record, const std::string& launch) override {
    std::lock_guard lock(mutex_);
    transaction([&] { insert_queued_run(record, launch); });
  }

  std::vector<QueuedRun> queued_runs() override {
    std::lock_guard lock(mutex_);
    return read_queue();
  }

  std::vector<QueuedRun> dequeue_runs(const DequeueDecision& decide, const RunOwner& owner, int64_t time_us) override {
    std::lock_guard lock(mutex_);
    std::vector<QueuedRun> claimed;
    transaction([&] {  // BEGIN IMMEDIATE: one dequeuer at a time, across processes
      std::vector<QueuedRun> queued = read_queue();
      std::vector<RunRecord> in_progress;
      auto& select =
          statement(std::string("SELECT ") + kRunColumns + " FROM runs WHERE " + storage_detail::kInProgressCondition);
      while (select.step()) in_progress.push_back(read_run(select));
      select.reset();
      claimed = storage_detail::claim_chosen(decide, std::move(queued), in_progress, owner, time_us,
                                             [&](const std::string& run_id) {
                                               statement(storage_detail::kClaimRunSql)
                                                   .bind(1, owner.host)
                                                   .bind(2, owner.pid)
                                                   .bind(3, owner.start_ticks)
                                                   .bind(4, time_us)
                                                   .bind(5, run_id)
                                                   .run();
                                               if (sqlite3_changes(conn_.db) == 0) return false;
                                               statement("DELETE FROM run_queue WHERE run_id=?1").bind(1, run_id).run();
                                               insert_events({run_dequeued_event(run_id, owner, time_us)});
                                               return true;
                                             });
      // Entries of runs no longer QUEUED (canceled while waiting) leave the queue.
      exec(storage_detail::kRemoveStaleQueueEntriesSql);
    });
    return claimed;
  }

  bool claim_pool_slot(const PoolSlot& slot, int64_t limit) override {
    std::lock_guard lock(mutex_);
    bool claimed = false;
    transaction([&] {
      auto& held = statement(storage_detail::kPoolCountSql);
      held.bind(1, stored_text(slot.pool)).bind(2, stored_text(slot.run_id)).bind(3, stored_text(slot.step_key));
      held.step();
      int64_t count = held.integer(0);
      bool mine = held.integer(1) > 0;
      held.reset();
      claimed = mine || count < limit;
      if (!claimed || mine) return;
      statement(storage_detail::kPoolInsertSql)
          .bind(1, stored_text(slot.pool))
          .bind(2, stored_text(slot.run_id))
          .bind(3, stored_text(slot.step_key))
          .bind(4, now_unix_us())
          .run();
    });
    return claimed;
  }

  void release_pool_slot(const PoolSlot& slot) override {
    std::lock_guard lock(mutex_);
    statement(storage_detail::kPoolReleaseSql)
        .bind(1, stored_text(slot.pool))
        .bind(2, stored_text(slot.run_id))
        .bind(3, stored_text(slot.step_key))
        .run();
  }

  int64_t release_pool_slots_of_run(const std::string& run_id) override {
    std::lock_guard lock(mutex_);
    statement(storage_detail::kPoolReleaseRunSql).bind(1, stored_text(run_id)).run();
    return sqlite3_changes(conn_.db);
  }

  std::vector<PoolSlot> pool_slots(const std::string& pool) override {
    std::lock_guard lock(mutex_);
    auto& select = statement(storage_detail::kPoolSlotsSql);
    select.bind(1, stored_text(pool));
    std::vector<PoolSlot> out;
    while (select.step()) out.push_back({select.text(0), select.text(1), select.text(2)});
    select.reset();
    return out;
  }

  std::vector<EventRecord> events_for_run(const std::string& run_id, int64_t after_id, int limit) override {
    std::lock_guard lock(mutex_);
    auto& select = statement(std::string("SELECT ") + storage_detail::kEventColumns +
                             " FROM event_logs WHERE run_id=?1 AND id>?2 ORDER BY id LIMIT ?3");
    select.bind(1, stored_text(run_id)).bind(2, after_id).bind(3, static_cast<int64_t>(limit));
    return read_events(select);
  }

  int64_t count_events(const std::string& run_id) override {
    std::lock_guard lock(mutex_);
    Statement count(
        conn_, run_id.empty() ? "SELECT count(*) FROM event_logs" : "SELECT count(*) FROM event_logs WHERE run_id=?1");
    if (!run_id.empty()) count.bind(1, stored_text(run_id));
    count.step();
    return count.integer(0);
  }

  std::vector<EventRecord> events_after(int64_t after_id, int limit) override {
    std::lock_guard lock(mutex_);
    auto& select = statement(std::string("SELECT ") + storage_detail::kEventColumns +
                             " FROM event_logs WHERE id>?1 ORDER BY id LIMIT ?2");
    select.bind(1, after_id).bind(2, static_cast<int64_t>(limit));
    return read_events(select);
  }

  int64_t last_event_id() override {
    std::lock_guard lock(mutex_);
    auto& select = statement("SELECT COALESCE(MAX(id), 0) FROM event_logs");
    select.step();
    int64_t id = select.integer(0);
    select.reset();
    return id;
  }

  std::vector<AssetCatalogEntry> asset_catalog() override {
    std::lock_guard lock(mutex_);
    auto& select = statement(storage_detail::kAssetCatalogSql);
    std::vector<AssetCatalogEntry> out;
    while (select.step()) {
      AssetCatalogEntry entry;
      entry.key = AssetKey(select.text(0));
      entry.last_materialization_id = select.integer(1);
      entry.materialization_run_id = select.text(2);
      entry.materialization_timestamp_us = select.integer(3);
      entry.materialization_partition = select.optional_text(4);
      entry.last_failure_id = select.integer(5);
      entry.failure_run_id = select.text(6);
      out.push_back(std::move(entry));
    }
    select.reset();
    return out;
  }

  std::optional<EventRecord> latest_materialization(const AssetKey& key,
                                                    const std::optional<std::string>& partition) override {
    std::lock_guard lock(mutex_);
    std::vector<EventRecord> found;
    if (!partition) {
      auto& select = statement(std::string("SELECT ") + storage_detail::kEventColumns +
                               " FROM event_logs WHERE id=(SELECT last_materialization_id FROM asset_keys WHERE "
                               "asset_key=?1)");
      select.bind(1, stored_key(key));
      found = read_events(select);
    } else {
      auto& select = statement(std::string("SELECT ") + storage_detail::kEventColumns +
                               " FROM event_logs WHERE asset_key=?1 AND event_type='ASSET_MATERIALIZATION' AND "
                               "partition=?2 AND id>" +
                               kWipedBefore + " ORDER BY id DESC LIMIT 1");
      select.bind(1, stored_key(key)).bind(2, stored_text(*partition));
      found = read_events(select);
    }
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  }

  std::vector<EventRecord> materialization_history(const AssetKey& key, int limit) override {
    std::lock_guard lock(mutex_);
    auto& select = statement(std::string("SELECT ") + storage_detail::kEventColumns +
                             " FROM event_logs WHERE asset_key=?1 AND event_type='ASSET_MATERIALIZATION' AND id>" +
                             kWipedBefore + " ORDER BY id DESC LIMIT ?2");
    select.bind(1, stored_key(key)).bind(2, static_cast<int64_t>(limit));
    return read_events(select);
  }

  std::vector<AssetKey> asset_keys() override {
    std::lock_guard lock(mutex_);
    Statement select(conn_,
                     "SELECT asset_key FROM asset_keys WHERE last_materialization_id > wiped_before_id OR EXISTS "
                     "(SELECT 1 FROM event_logs e WHERE e.asset_key=asset_keys.asset_key AND e.event_type="
                     "'ASSET_OBSERVATION' AND e.id > asset_keys.wiped_before_id) ORDER BY asset_key");
    std::vector<AssetKey> keys;
    while (select.step()) keys.emplace_back(select.text(0));
    return keys;
  }

  void wipe_asset(const AssetKey& key) override {
    std::lock_guard lock(mutex_);
    transaction([&] {
      Statement wipe(conn_,
                     "INSERT INTO asset_keys(asset_key, last_materialization_id, wiped_before_id) VALUES(?1, 0, "
                     "(SELECT COALESCE(MAX(id), 0) FROM event_logs)) ON CONFLICT(asset_key) DO UPDATE SET "
                     "last_materialization_id=0, last_failure_id=0, wiped_before_id=excluded.wiped_before_id");
      wipe.bind(1, stored_key(key)).run();
    });
  }

  std::vector<PartitionStatusRecord> partition_status(const AssetKey& key) override {
    std::lock_guard lock(mutex_);
    auto& select = statement(std::string("SELECT partition, status='ASSET_MATERIALIZATION' FROM asset_partitions WHERE "
                                         "asset_key=?1 AND last_event_id>") +
                             kWipedBefore + " ORDER BY partition");
    select.bind(1, stored_key(key));
    std::vector<PartitionStatusRecord> out;
    while (select.step()) {
      bool materialized = select.integer(1) != 0;
      out.push_back({select.text(0), materialized, !materialized});
    }
    select.reset();
    return out;
  }

  std::vector<std::string> dynamic_partitions(const std::string& name) override {
    std::lock_guard lock(mutex_);
    auto& select = statement("SELECT partition FROM dynamic_partitions WHERE name=?1 ORDER BY position");
    select.bind(1, stored_text(name));
    std::vector<std::string> out;
    while (select.step()) out.push_back(select.text(0));
    select.reset();
    return out;
  }

  void add_dynamic_partitions(const std::string& name, const std::vector<std::string>& keys) override {
    for (const auto& key : keys) validate_partition_key_for_storage(key, "dynamic partitions '" + name + "'");
    std::lock_guard lock(mutex_);
    transaction([&] {
      auto& insert = statement(
          "INSERT INTO dynamic_partitions(name, partition, position) VALUES(?1, ?2, (SELECT COALESCE(MAX(position), 0) "
          "+ 1 FROM dynamic_partitions WHERE name=?1)) ON CONFLICT(name, partition) DO NOTHING");
      for (const auto& key : keys) insert.bind(1, stored_text(name)).bind(2, stored_text(key)).run();
    });
  }

  void delete_dynamic_partition(const std::string& name, const std::string& key) override {
    std::lock_guard lock(mutex_);
    statement("DELETE FROM dynamic_partitions WHERE name=?1 AND partition=?2")
        .bind(1, stored_text(name))
        .bind(2, stored_text(key))
        .run();
  }

  void add_backfill(const BackfillRecord& record) override {
    BackfillRecord backfill = storage_detail::stored_backfill(record);
    std::lock_guard lock(mutex_);
    auto& insert = statement(std::string("INSERT INTO backfills(") + storage_detail::kBackfillColumns +
                             ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)");
    insert.bind(1, backfill.backfill_id)
        .bind(2, backfill.selection)
        .bind(3, nlohmann::json(backfill.partitions).dump());
    insert.bind(4, backfill.status).bind(5, backfill.num_runs).bind(6, backfill.runs_succeeded);
    insert.bind(7, backfill.runs_failed).bind(8, backfill.create_time_us).bind(9, backfill.end_time_us);
    insert.bind(10, backfill.launch).bind(11, backfill.runs_canceled).bind(12, backfill.error).run();
  }

  void update_backfill(const std::string& backfill_id, const std::string& status, int64_t runs_succeeded,
                       int64_t runs_failed, int64_t end_time_us) override {
    std::lock_guard lock(mutex_);
    statement("UPDATE backfills SET status=?1, runs_succeeded=?2, runs_failed=?3, end_time=?4 WHERE backfill_id=?5")
        .bind(1, stored_text(status))
        .bind(2, runs_succeeded)
        .bind(3, runs_failed)
        .bind(4, end_time_us)
        .bind(5, stored_text(backfill_id))
        .run();
    if (sqlite3_changes(conn_.db) == 0) throw StorageError("no backfill " + backfill_id + " in " + describe());
  }

  std::optional<BackfillRecord> get_backfill(const std::string& backfill_id) override {
    std::lock_guard lock(mutex_);
    auto& select =
        statement(std::string("SELECT ") + storage_detail::kBackfillColumns + " FROM backfills WHERE backfill_id=?1");
    select.bind(1, stored_text(backfill_id));
    std::optional<BackfillRecord> out;
    if (select.step()) out = read_backfill(select);
    select.reset();
    return out;
  }

  std::vector<BackfillRecord> backfills(int limit) override {
    std::lock_guard lock(mutex_);
    auto& select = statement(std::string("SELECT ") + storage_detail::kBackfillColumns +
                             " FROM backfills ORDER BY create_time DESC, backfill_id DESC LIMIT ?1");
    select.bind(1, static_cast<int64_t>(limit));
    std::vector<BackfillRecord> out;
    while (select.step()) out.push_back(read_backfill(select));
    select.reset();
    return out;
  }

  std::vector<BackfillRecord> active_backfills() override {
    std::lock_guard lock(mutex_);
    auto& select = statement(storage_detail::kActiveBackfillsSql);
    std::vector<BackfillRecord> out;
    while (select.step()) out.push_back(read_backfill(select));
    select.reset();
    return out;
  }

  bool add_backfill_run(const std::string& backfill_id, int64_t chunk, const QueuedRun& queued) override {
    RunRecord run = queued.run;
    run.status = RunStatus::kQueued;
    std::lock_guard lock(mutex_);
    return add_backfill_entry(backfill_id, chunk, run.run_id, "", [&] {
      insert_run(run);
      statement(storage_detail::kEnqueueSql).bind(1, stored_text(run.run_id)).bind(2, stored_text(queued.launch)).run();
      insert_events({run_enqueued_event(run.run_id, run.create_time_us)});
    });
  }

  bool add_backfill_chunk_error(const std::string& backfill_id, int64_t chunk, const std::string& error) override {
    std::lock_guard lock(mutex_);
    return add_backfill_entry(backfill_id, chunk, "", error, [] {});
  }

  std::vector<BackfillRunRecord> backfill_runs(const std::string& backfill_id) override {
    std::lock_guard lock(mutex_);
    auto& select = statement(storage_detail::kBackfillRunsSql);
    select.bind(1, stored_text(backfill_id));
    std::vector<BackfillRunRecord> out;
    while (select.step()) {
      std::optional<std::string> status = select.optional_text(3);
      out.push_back(
          {select.integer(0), select.text(1), select.text(2), status ? run_status_from_name(*status) : std::nullopt});
    }
    select.reset();
    return out;
  }

  std::vector<InstigatorState> instigator_states() override {
    std::lock_guard lock(mutex_);
    auto& select = statement(storage_detail::kInstigatorStatesSql);
    std::vector<InstigatorState> out;
    while (select.step()) {
      out.push_back({select.text(0), select.text(1), storage_detail::instigator_status_from_column(select.text(2)),
                     select.text(3), select.integer(4)});
    }
    select.reset();
    return out;
  }

  bool update_backfill_if(const std::string& backfill_id, const std::string& expected,
                          const BackfillRecord& progress) override {
    BackfillRecord stored = storage_detail::stored_backfill(progress);
    std::lock_guard lock(mutex_);
    statement(storage_detail::kUpdateBackfillIfSql)
        .bind(1, stored.status)
        .bind(2, stored.runs_succeeded)
        .bind(3, stored.runs_failed)
        .bind(4, stored.runs_canceled)
        .bind(5, stored.end_time_us)
        .bind(6, stored.error)
        .bind(7, stored_text(backfill_id))
        .bind(8, stored_text(expected))
        .run();
    return sqlite3_changes(conn_.db) > 0;
  }

  void set_instigator_status(const std::string& name, const std::string& kind, InstigatorStatus status) override {
    std::lock_guard lock(mutex_);
    statement(storage_detail::kSetInstigatorStatusSql)
        .bind(1, stored_text(name))
        .bind(2, kind)
        .bind(3, std::string(instigator_status_name(status)))
        .run();
  }

  std::vector<TickRecord> commit_ticks(const std::vector<TickCommit>& commits) override {
    std::lock_guard lock(mutex_);
    std::vector<TickRecord> recorded;
    transaction([&] {
      recorded.clear();
      for (const TickCommit& commit : commits) {
        TickRecord tick = commit.tick;
        tick.instigator = stored_text(tick.instigator);
        tick.run_ids.clear();
        for (const KeyedRun& keyed : commit.runs) tick.run_ids.push_back(queue_keyed_run(tick.instigator, keyed));
        if (!tick.status.empty()) {
          statement(storage_detail::kInsertTickSql)
              .bind(1, tick.instigator)
              .bind(2, tick.kind)
              .bind(3, tick.tick_time_us)
              .bind(4, tick.status)
              .bind(5, nlohmann::json(tick.run_ids).dump())
              .bind(6, stored_text(tick.skip_reason))
              .bind(7, stored_text(tick.error))
              .bind(8, stored_text(tick.cursor))
              .bind(9, tick.timestamp_us)
              .run();
        }
        statement(storage_detail::kAdvanceInstigatorSql)
            .bind(1, tick.instigator)
            .bind(2, tick.kind)
            .bind(3, stored_text(commit.cursor.value_or("")))
            .bind(4, int64_t{commit.cursor ? 1 : 0})
            .bind(5, commit.last_tick_time_us)
            .run();
        if (!tick.status.empty()) recorded.push_back(std::move(tick));
      }
    });
    return recorded;
  }

  std::vector<TickRecord> ticks(const std::string& instigator, int limit) override {
    std::lock_guard lock(mutex_);
    auto& select = statement(std::string("SELECT ") + storage_detail::kTickColumns +
                             " FROM ticks WHERE instigator=?1 ORDER BY tick_time DESC LIMIT ?2");
    select.bind(1, stored_text(instigator)).bind(2, static_cast<int64_t>(limit));
    std::vector<TickRecord> out;
    while (select.step()) {
      out.push_back({select.text(0), select.text(1), select.integer(2), select.text(3),
                     storage_detail::stored_json<std::vector<std::string>>(
                         select.text(4), "a tick of '" + instigator + "': stored partitions"),
                     select.text(5), select.text(6), select.text(7), select.integer(8)});
    }
    select.reset();
    return out;
  }

  void record_daemon_heartbeat(const DaemonHeartbeat& heartbeat) override {
    std::lock_guard lock(mutex_);
    statement(storage_detail::kHeartbeatSql)
        .bind(1, stored_text(heartbeat.loop))
        .bind(2, stored_text(heartbeat.daemon_id))
        .bind(3, heartbeat.time_us)
        .bind(4, stored_text(heartbeat.last_error))
        .run();
  }

  std::vector<DaemonHeartbeat> daemon_heartbeats() override {
    std::lock_guard lock(mutex_);
    auto& select = statement(storage_detail::kHeartbeatsSql);
    std::vector<DaemonHeartbeat> out;
    while (select.step()) {
      out.push_back({select.text(0), select.text(1), select.integer(2), select.text(3), select.integer(4)});
    }
    select.reset();
    return out;
  }

  bool acquire_daemon_lease(const std::string& holder, int64_t now_us, int64_t ttl_us) override {
    std::lock_guard lock(mutex_);
    statement(storage_detail::kAcquireLeaseSql)
        .bind(1, stored_text(holder))
        .bind(2, now_us)
        .bind(3, now_us + ttl_us)
        .run();
    return sqlite3_changes(conn_.db) > 0;
  }

  void release_daemon_lease(const std::string& holder) override {
    std::lock_guard lock(mutex_);
    statement(storage_detail::kReleaseLeaseSql).bind(1, stored_text(holder)).run();
  }

  std::optional<DaemonLease> daemon_lease() override {
    std::lock_guard lock(mutex_);
    auto& select = statement(storage_detail::kLeaseSql);
    std::optional<DaemonLease> out;
    if (select.step()) out = DaemonLease{select.text(0), select.integer(1), select.integer(2)};
    select.reset();
    return out;
  }

 private:
  // Queues `keyed` unless its key was used (inside the caller's transaction); returns the run id the
  // key stands for.
  std::string queue_keyed_run(const std::string& instigator, const KeyedRun& keyed) {
    if (!keyed.run_key.empty()) {
      statement(storage_detail::kClaimRunKeySql)
          .bind(1, instigator)
          .bind(2, stored_text(keyed.run_key))
          .bind(3, stored_text(keyed.run.run_id))
          .bind(4, keyed.run.create_time_us)
          .run();
      if (sqlite3_changes(conn_.db) == 0) {
        auto& select = statement(storage_detail::kRunForKeySql);
        select.bind(1, instigator).bind(2, stored_text(keyed.run_key));
        select.step();
        std::string existing = select.text(0);
        select.reset();
        return existing;
      }
    }
    insert_queued_run(keyed.run, keyed.launch);
    return stored_text(keyed.run.run_id);
  }

  // Records `record` as QUEUED with its launch document and RUN_ENQUEUED event (in the caller's transaction).
  void insert_queued_run(const RunRecord& record, const std::string& launch) {
    RunRecord run = record;
    run.status = RunStatus::kQueued;
    insert_run(run);
    statement(storage_detail::kEnqueueSql).bind(1, stored_text(run.run_id)).bind(2, stored_text(launch)).run();
    insert_events({run_enqueued_event(run.run_id, run.create_time_us)});
  }

  static constexpr const char* kRunColumns =
      "run_id, job_name, selection, status, tags, run_config, owner_host, owner_pid, owner_start_ticks, create_time, "
      "start_time, end_time";
  // The id below which an asset's events were wiped (?1 is the asset key).
  static constexpr const char* kWipedBefore =
      "COALESCE((SELECT wiped_before_id FROM asset_keys WHERE asset_key=?1), 0)";

  void connect(const std::string& name, int flags) {
    int rc = sqlite3_open_v2(name.c_str(), &conn_.db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) conn_.fail(rc, "cannot open SQLite database: ");
    sqlite3_busy_timeout(conn_.db, 30'000);
  }

  void disconnect() {
    statements_.clear();
    if (conn_.db) sqlite3_close(conn_.db);
    conn_.db = nullptr;
  }

  // Opens the file read-only after `reason` stopped writing it, so that what is stored stays
  // readable (writes then report `reason`). Without a write-ahead log to replay, the file is opened
  // immutable: no -shm file to create or grow (which a full disk refuses), no lock to take. With a
  // log, through SQLite's read-only WAL access. Throws `reason`, extended, when even reading fails.
  void open_read_only(const SqliteError& reason) {
    conn_.read_only_because = reason;
    std::error_code ec;
    uintmax_t log_size = std::filesystem::file_size(path_.string() + "-wal", ec);
    try {
      if (ec || log_size == 0) {
        connect(immutable_uri(path_), SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
      } else {
        connect(path_.string(), SQLITE_OPEN_READONLY);
      }
      probe();
      check_schema_read_only();
    } catch (const StorageError& e) {
      disconnect();
      throw SqliteError(reason.kind(), std::string(reason.what()) + " (reading it failed too: " + e.what() + ")");
    }
  }

  static std::string immutable_uri(const std::filesystem::path& path) {
    std::string uri = "file:";
    for (char c : path.string()) {
      if (c == '%' || c == '?' || c == '#') {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
        uri += hex;
      } else {
        uri += c;
      }
    }
    return uri + "?immutable=1";
  }

  void probe() {
    Statement catalog(conn_, "SELECT count(*) FROM sqlite_master");
    catalog.step();
  }

  // What ensure_schema() checks, without writing: a Strata database of this build's schema version.
  void check_schema_read_only() {
    Statement has_version(conn_, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='strata_schema'");
    has_version.step();
    if (has_version.integer(0) == 0) throw StorageError("'" + path_.string() + "' holds no Strata history yet");
    Statement version(conn_, "SELECT MAX(version) FROM strata_schema");
    version.step();
    int64_t found = version.integer(0);
    if (found != kSchemaVersion) {
      throw StorageError("'" + path_.string() + "' has schema version " + std::to_string(found) + ", and this build (" +
                         std::to_string(kSchemaVersion) + ") cannot read it without migrating it");
    }
  }

  void ensure_schema() {
    transaction([&] {
      Statement has_version(conn_, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='strata_schema'");
      has_version.step();
      int64_t found = 0;  // a fresh database
      if (has_version.integer(0) == 0) {
        Statement tables(conn_, "SELECT count(*) FROM sqlite_master WHERE type='table'");
        tables.step();
        if (tables.integer(0) != 0) {
          throw StorageError("'" + path_.string() +
                             "' is an SQLite database of something else (it has tables but no strata_schema); "
                             "it was left untouched");
        }
      } else {
        Statement version(conn_, "SELECT MAX(version) FROM strata_schema");
        version.step();
        found = version.integer(0);
      }
      storage_detail::upgrade_schema(
          storage_detail::Dialect::kSqlite, found, [this](const std::string& sql) { exec(sql); },
          "'" + path_.string() + "'", "The file was left untouched");
    });
  }

  // Inserts `record` (inside the caller's lock; in the caller's transaction, when there is one).
  void insert_run(const RunRecord& record) {
    RunRecord run = storage_detail::stored_run(record);
    auto& insert = statement(
        "INSERT INTO runs(run_id, job_name, selection, status, tags, run_config, owner_host, owner_pid, "
        "owner_start_ticks, create_time, start_time, end_time) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)");
    insert.bind(1, run.run_id)
        .bind(2, run.job_name)
        .bind(3, run.selection)
        .bind(4, std::string(run_status_name(run.status)));
    insert.bind(5, storage_detail::stored_tags(run.tags))
        .bind(6, run.run_config)
        .bind(7, run.owner_host)
        .bind(8, run.owner_pid);
    insert.bind(9, run.owner_start_ticks)
        .bind(10, run.create_time_us)
        .bind(11, run.start_time_us)
        .bind(12, run.end_time_us);
    try {
      insert.run();
    } catch (const SqliteError& e) {
      insert.reset();
      throw SqliteError(e.kind(), "cannot record run " + run.run_id + " in " + describe() + ": " + e.what());
    }
  }

  // The QUEUED runs with their launch documents, in submission order.
  std::vector<QueuedRun> read_queue() {
    auto& select = statement(storage_detail::kQueueSelectSql);
    std::vector<QueuedRun> out;
    while (select.step()) {
      QueuedRun queued;
      queued.run = read_run(select);
      queued.position = select.integer(12);
      queued.launch = select.text(13);
      out.push_back(std::move(queued));
    }
    select.reset();
    return out;
  }

  // Appends `events` inside the caller's transaction, keeping the asset catalog up to date.
  void insert_events(const std::vector<Event>& events) {
    auto& insert = statement(
        "INSERT INTO event_logs(run_id, event_type, step_key, timestamp, level, message, asset_key, name, "
        "partition, metadata, error_type) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)");
    auto& latest = statement(storage_detail::kRecordMaterializationSql);
    auto& seen = statement("INSERT INTO asset_keys(asset_key) VALUES(?1) ON CONFLICT(asset_key) DO NOTHING");
    auto& failure = statement(storage_detail::kRecordFailureSql);
    auto& partition_state = statement(
        "INSERT INTO asset_partitions(asset_key, partition, last_event_id, status) VALUES(?1, ?2, ?3, ?4) ON "
        "CONFLICT(asset_key, partition) DO UPDATE SET last_event_id=excluded.last_event_id, status=excluded.status "
        "WHERE excluded.last_event_id > asset_partitions.last_event_id");
    for (const auto& event : events) {
      EventRow row = storage_detail::to_row(event);
      insert.bind(1, row.run_id).bind(2, row.event_type).bind(3, row.step_key).bind(4, row.timestamp_us);
      insert.bind(5, row.level).bind(6, row.message).bind(7, row.asset_key).bind(8, row.name);
      insert.bind(9, row.partition).bind(10, row.metadata).bind(11, row.error_type);
      insert.run();
      int64_t id = static_cast<int64_t>(sqlite3_last_insert_rowid(conn_.db));
      if (row.asset_key && row.partition &&
          (event.type == EventType::kMaterialization || event.type == EventType::kMaterializationFailed)) {
        partition_state.bind(1, *row.asset_key).bind(2, *row.partition).bind(3, id).bind(4, row.event_type).run();
      }
      if (event.type == EventType::kMaterialization && row.asset_key) {
        latest.bind(1, *row.asset_key).bind(2, id).bind(3, row.run_id).bind(4, row.timestamp_us);
        latest.bind(5, row.partition).run();
      } else if (event.type == EventType::kObservation && row.asset_key) {
        seen.bind(1, *row.asset_key).run();
      } else if (event.type == EventType::kMaterializationFailed && row.asset_key) {
        failure.bind(1, *row.asset_key).bind(2, id).bind(3, row.run_id).run();
      }
    }
  }

  // Runs `body` in one transaction (BEGIN IMMEDIATE): committed when it returns, rolled back when it throws.
  template <class Body>
  void transaction(Body&& body) {
    exec("BEGIN IMMEDIATE");
    try {
      body();
      exec("COMMIT");
    } catch (...) {
      exec_noexcept("ROLLBACK");
      throw;
    }
  }

  void exec(const std::string& sql) {
    int rc = sqlite3_exec(conn_.db, sql.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) conn_.fail(rc);
  }
  void exec_noexcept(const std::string& sql) noexcept {
    sqlite3_exec(conn_.db, sql.c_str(), nullptr, nullptr, nullptr);
  }

  // Prepared once per connection and reused (hot paths: appends and latest lookups).
  Statement& statement(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) it = statements_.emplace(sql, std::make_unique<Statement>(conn_, sql)).first;
    it->second->reset();
    return *it->second;
  }

  // add_backfill_run and add_backfill_chunk_error (inside the caller's lock): in one transaction,
  // the chunk's entry and `create_run` when the backfill still takes runs and the chunk has none.
  template <class CreateRun>
  bool add_backfill_entry(const std::string& backfill_id, int64_t chunk, const std::string& run_id,
                          const std::string& error, CreateRun&& create_run) {
    bool added = false;
    transaction([&] {
      auto& status = statement("SELECT status FROM backfills WHERE backfill_id=?1");
      status.bind(1, stored_text(backfill_id));
      if (!status.step()) {
        status.reset();
        throw StorageError("no backfill " + backfill_id + " in " + describe());
      }
      std::string current = status.text(0);
      status.reset();
      if (!storage_detail::backfill_takes_runs(current)) return;
      statement(storage_detail::kInsertBackfillRunSql)
          .bind(1, stored_text(backfill_id))
          .bind(2, chunk)
          .bind(3, stored_text(run_id))
          .bind(4, stored_text(error))
          .run();
      if (sqlite3_changes(conn_.db) == 0) return;
      create_run();
      statement(storage_detail::kBackfillStartedSql).bind(1, stored_text(backfill_id)).run();
      added = true;
    });
    return added;
  }

  static BackfillRecord read_backfill(Statement& row) {
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

  static RunRecord read_run(Statement& row) {
    RunRecord run;
    run.run_id = row.text(0);
    run.job_name = row.text(1);
    run.selection = row.text(2);
    run.status = run_status_from_name(row.text(3)).value_or(RunStatus::kFailure);
    run.tags = tags_from_json(row.text(4), run.run_id);
    run.run_config = row.text(5);
    run.owner_host = row.text(6);
    run.owner_pid = row.integer(7);
    run.owner_start_ticks = row.integer(8);
    run.create_time_us = row.integer(9);
    run.start_time_us = row.integer(10);
    run.end_time_us = row.integer(11);
    return run;
  }

  static std::vector<EventRecord> read_events(Statement& select) {
    std::vector<EventRecord> out;
    while (select.step()) {
      EventRow row{select.text(1),          select.text(2),  select.text(3),          select.integer(4),
                   select.text(5),          select.text(6),  select.optional_text(7), select.text(8),
                   select.optional_text(9), select.text(10), select.text(11)};
      out.push_back({select.integer(0), storage_detail::from_row(std::move(row))});
    }
    select.reset();
    return out;
  }

  std::filesystem::path path_;
  Connection conn_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Statement>> statements_;
};

}  // namespace

std::unique_ptr<Storage> open_sqlite_storage(const std::filesystem::path& path) {
  return std::make_unique<SqliteStorage>(path);
}

}  // namespace strata
