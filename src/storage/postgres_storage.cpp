// The PostgreSQL backend: the same schema and semantics as SQLite, over libpq. One connection per
// Storage object (guarded by a mutex); events are appended with multi-row INSERTs in one
// transaction; schema creation is serialized across processes with an advisory lock.

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

#include "event_row.hpp"
#include "postgres_library.hpp"
#include "schema.hpp"
#include "stored_json.hpp"
#include "stored_text.hpp"
#include "strata/core/error.hpp"
#include "strata/core/storage_location.hpp"
#include "strata/storage/backends.hpp"

namespace strata {
namespace {

const postgres_api::Library& pq() { return postgres_api::library(); }

using storage_detail::EventRow;
using storage_detail::stored_key;
using storage_detail::stored_text;

// A query result that clears itself.
class Result {
 public:
  explicit Result(PGresult* result) : result_(result) {}
  ~Result() { pq().PQclear(result_); }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  Result(Result&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}

  int rows() const { return pq().PQntuples(result_); }
  bool null(int row, int column) const { return pq().PQgetisnull(result_, row, column) != 0; }
  std::string text(int row, int column) const {
    return std::string(pq().PQgetvalue(result_, row, column),
                       static_cast<size_t>(pq().PQgetlength(result_, row, column)));
  }
  std::optional<std::string> optional_text(int row, int column) const {
    if (null(row, column)) return std::nullopt;
    return text(row, column);
  }
  int64_t integer(int row, int column) const { return std::stoll(text(row, column)); }

 private:
  PGresult* result_;
};

// Parameters for PQexecParams, as text (NULL for absent optionals).
class Params {
 public:
  Params& add(std::string value) {
    values_.push_back(std::move(value));
    nulls_.push_back(false);
    return *this;
  }
  Params& add(int64_t value) { return add(std::to_string(value)); }
  Params& add(const std::optional<std::string>& value) {
    values_.push_back(value.value_or(""));
    nulls_.push_back(!value.has_value());
    return *this;
  }
  size_t size() const { return values_.size(); }
  std::vector<const char*> pointers() const {
    std::vector<const char*> out;
    for (size_t i = 0; i < values_.size(); ++i) out.push_back(nulls_[i] ? nullptr : values_[i].c_str());
    return out;
  }

 private:
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
};

constexpr const char* kRunColumns =
    "run_id, job_name, selection, status, tags, run_config, owner_host, owner_pid, owner_start_ticks, create_time, "
    "start_time, end_time";
constexpr const char* kWipedBefore = "COALESCE((SELECT wiped_before_id FROM asset_keys WHERE asset_key=$1), 0)";
constexpr size_t kRowsPerInsert = 1000;
using storage_detail::kBackfillColumns;

class PostgresStorage : public Storage {
 public:
  explicit PostgresStorage(const PostgresConnection& connection) : description_(connection.describe()) {
    std::vector<const char*> keys = {
        "host", "port", "user", "password", "dbname", "connect_timeout", "application_name", "client_encoding",
        nullptr};
    std::string port = std::to_string(connection.port);
    std::string timeout = std::to_string(connection.connect_timeout_s);
    std::vector<const char*> values = {connection.host.c_str(),
                                       port.c_str(),
                                       connection.user.c_str(),
                                       connection.password.c_str(),
                                       connection.dbname.c_str(),
                                       timeout.c_str(),
                                       "strata",
                                       "UTF8",  // what Strata sends, whatever the server's locale
                                       nullptr};
    conn_ = pq().PQconnectdbParams(keys.data(), values.data(), 0);
    if (pq().PQstatus(conn_) != CONNECTION_OK) {
      std::string message = pq().PQerrorMessage(conn_);
      while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
      pq().PQfinish(conn_);
      conn_ = nullptr;
      throw StorageError("cannot connect to PostgreSQL " + description_ + ": " + message);
    }
    try {
      exec("SET client_min_messages TO WARNING");
      ensure_schema();
    } catch (...) {
      // A throwing constructor runs no destructor: close the connection here.
      pq().PQfinish(conn_);
      conn_ = nullptr;
      throw;
    }
  }
  ~PostgresStorage() override {
    if (conn_) pq().PQfinish(conn_);
  }

  std::string describe() const override { return description_; }

  void add_run(const RunRecord& record) override {
    RunRecord run = storage_detail::stored_run(record);
    std::lock_guard lock(mutex_);
    query(std::string("INSERT INTO runs(") + kRunColumns + ") VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
          run_params(run), "cannot record run " + run.run_id);
  }

  void update_run_status(const std::string& run_id, RunStatus status, int64_t time_us) override {
    std::lock_guard lock(mutex_);
    std::string sql = status == RunStatus::kStarted ? "UPDATE runs SET status=$1, start_time=$2 WHERE run_id=$3"
                      : is_finished(status)         ? "UPDATE runs SET status=$1, end_time=$2 WHERE run_id=$3"
                                            : "UPDATE runs SET status=$1 WHERE run_id=$3 AND $2::bigint IS NOT NULL";
    Params p;
    p.add(std::string(run_status_name(status))).add(time_us).add(stored_text(run_id));
    PGresult* raw = exec_params(sql, p);
    Result result(raw);
    if (std::string(pq().PQcmdTuples(raw)) == "0") throw StorageError("no run " + run_id + " in " + description_);
  }

  std::optional<RunRecord> get_run(const std::string& run_id) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_text(run_id));
    Result r = query(std::string("SELECT ") + kRunColumns + " FROM runs WHERE run_id=$1", p, "cannot read run");
    if (r.rows() == 0) return std::nullopt;
    return read_run(r, 0);
  }

  std::vector<RunRecord> runs(const RunFilter& filter) override {
    std::lock_guard lock(mutex_);
    std::string sql = std::string("SELECT ") + kRunColumns + " FROM runs WHERE 1=1";
    Params p;
    auto next = [&] { return "$" + std::to_string(p.size()); };
    if (filter.status) {
      p.add(std::string(run_status_name(*filter.status)));
      sql += " AND status=" + next();
    }
    if (filter.job_name) {
      p.add(*filter.job_name);
      sql += " AND job_name=" + next();
    }
    if (filter.asset_key) {
      p.add(stored_key(*filter.asset_key));
      sql += " AND run_id IN (SELECT DISTINCT run_id FROM event_logs WHERE asset_key=" + next() +
             " AND event_type='ASSET_MATERIALIZATION')";
    }
    if (filter.created_after_us) {
      p.add(*filter.created_after_us);
      sql += " AND create_time>=" + next();
    }
    if (filter.created_before_us) {
      p.add(*filter.created_before_us);
      sql += " AND create_time<" + next();
    }
    p.add(static_cast<int64_t>(filter.limit));
    sql += " ORDER BY create_time DESC, run_id DESC LIMIT " + next();
    Result r = query(sql, p, "cannot list runs");
    std::vector<RunRecord> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_run(r, i));
    return out;
  }

  // Ids come from the identity sequence in one round trip, then the rows stream in with COPY (the
  // fastest way into PostgreSQL); knowing the ids up front lets the asset catalog be updated in the
  // same transaction. Ids increase in append order within a batch. Text is already well-formed
  // UTF-8 without NUL (stored_text); should the server still refuse a row (a character its database
  // encoding lacks), one refused row would fail the whole COPY: the batch is then written again row
  // by row, each refused row in its ASCII form (fallback_row) with the reason in its message.
  void append_events(const std::vector<Event>& events) override {
    if (events.empty()) return;
    std::vector<EventRow> rows;
    rows.reserve(events.size());
    for (const auto& event : events) rows.push_back(storage_detail::to_row(event));
    std::lock_guard lock(mutex_);
    try {
      transaction([&] { write_rows(rows, false); });
    } catch (const StorageError&) {
      if (pq().PQstatus(conn_) != CONNECTION_OK) throw;
      transaction([&] { write_rows(rows, true); });
    }
  }

  bool update_run_status_if(const std::string& run_id, RunStatus expected, RunStatus next,
                            const Event& event) override {
    std::vector<EventRow> rows{storage_detail::to_row(event)};
    std::lock_guard lock(mutex_);
    bool changed = false;
    transaction([&] {
      // Under READ COMMITTED a concurrent caller waits for this row's lock, then re-checks the status.
      Params p;
      p.add(std::string(run_status_name(next))).add(event.timestamp_us).add(stored_text(run_id));
      p.add(std::string(run_status_name(expected)));
      Result result =
          query(std::string("UPDATE runs SET status=$1, ") + storage_detail::run_time_assignment(next, "$2") +
                    " WHERE run_id=$3 AND status=$4 RETURNING run_id",
                p, "cannot update run " + run_id);
      changed = result.rows() > 0;
      if (changed) write_rows(rows, false);
    });
    return changed;
  }

  void enqueue_run(const RunRecord& record, const std::string& launch) override {
    std::lock_guard lock(mutex_);
    transaction([&] {
      lock_queue();
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
      lock_queue();  // one dequeuer at a time, across processes
      std::vector<QueuedRun> queued = read_queue();
      Result running =
          query(std::string("SELECT ") + kRunColumns + " FROM runs WHERE " + storage_detail::kInProgressCondition,
                Params(), "cannot read the runs in progress");
      std::vector<RunRecord> in_progress;
      for (int i = 0; i < running.rows(); ++i) in_progress.push_back(read_run(running, i));
      claimed = storage_detail::claim_chosen(
          decide, std::move(queued), in_progress, owner, time_us, [&](const std::string& run_id) {
            Params p;
            p.add(owner.host).add(owner.pid).add(owner.start_ticks).add(time_us).add(run_id);
            if (query(sql(storage_detail::kClaimRunSql) + " RETURNING run_id", p, "cannot start run").rows() == 0) {
              return false;
            }
            Params id;
            id.add(run_id);
            query("DELETE FROM run_queue WHERE run_id=$1", id, "cannot dequeue run");
            std::vector<EventRow> rows{storage_detail::to_row(run_dequeued_event(run_id, owner, time_us))};
            write_rows(rows, false);
            return true;
          });
      exec(storage_detail::kRemoveStaleQueueEntriesSql);
    });
    return claimed;
  }

  bool claim_pool_slot(const PoolSlot& slot, int64_t limit) override {
    std::lock_guard lock(mutex_);
    bool claimed = false;
    transaction([&] {
      Params pool;
      pool.add(stored_text(slot.pool));
      query("SELECT pg_advisory_xact_lock(727374, hashtext($1))", pool, "cannot lock pool " + slot.pool);
      Result held = query(sql(storage_detail::kPoolCountSql), slot_params(slot), "cannot read pool " + slot.pool);
      bool mine = held.integer(0, 1) > 0;
      claimed = mine || held.integer(0, 0) < limit;
      if (!claimed || mine) return;
      Params p = slot_params(slot);
      p.add(now_unix_us());
      query(sql(storage_detail::kPoolInsertSql), p, "cannot claim a slot of pool " + slot.pool);
    });
    return claimed;
  }

  void release_pool_slot(const PoolSlot& slot) override {
    std::lock_guard lock(mutex_);
    query(sql(storage_detail::kPoolReleaseSql), slot_params(slot), "cannot free a slot of pool " + slot.pool);
  }

  int64_t release_pool_slots_of_run(const std::string& run_id) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_text(run_id));
    PGresult* raw = exec_params(sql(storage_detail::kPoolReleaseRunSql), p);
    Result result(raw);
    return std::stoll(pq().PQcmdTuples(raw));
  }

  std::vector<PoolSlot> pool_slots(const std::string& pool) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_text(pool));
    Result r = query(sql(storage_detail::kPoolSlotsSql), p, "cannot read pool " + pool);
    std::vector<PoolSlot> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2)});
    return out;
  }

  std::vector<EventRecord> events_for_run(const std::string& run_id, int64_t after_id, int limit) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_text(run_id)).add(after_id);
    std::string sql = std::string("SELECT ") + storage_detail::kEventColumns +
                      " FROM event_logs WHERE run_id=$1 AND id>$2 ORDER BY id";
    if (limit >= 0) sql += " LIMIT " + std::to_string(limit);
    return read_events(query(sql, p, "cannot read events"));
  }

  int64_t count_events(const std::string& run_id) override {
    std::lock_guard lock(mutex_);
    Params p;
    if (!run_id.empty()) p.add(stored_text(run_id));
    Result r =
        query(run_id.empty() ? "SELECT count(*) FROM event_logs" : "SELECT count(*) FROM event_logs WHERE run_id=$1", p,
              "cannot count events");
    return r.integer(0, 0);
  }

  std::vector<EventRecord> events_after(int64_t after_id, int limit) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(after_id).add(static_cast<int64_t>(limit));
    return read_events(query(
        std::string("SELECT ") + storage_detail::kEventColumns + " FROM event_logs WHERE id>$1 ORDER BY id LIMIT $2", p,
        "cannot read events"));
  }

  int64_t last_event_id() override {
    std::lock_guard lock(mutex_);
    return query("SELECT COALESCE(MAX(id), 0) FROM event_logs", Params(), "cannot read the event log").integer(0, 0);
  }

  std::vector<AssetCatalogEntry> asset_catalog() override {
    std::lock_guard lock(mutex_);
    // Byte order (COLLATE "C"), as SQLite sorts.
    std::string select = std::string(storage_detail::kAssetCatalogSql) + " COLLATE \"C\"";
    Result r = query(select, Params(), "cannot read the asset catalog");
    std::vector<AssetCatalogEntry> out;
    out.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
      AssetCatalogEntry entry;
      entry.key = AssetKey(r.text(i, 0));
      entry.last_materialization_id = r.integer(i, 1);
      entry.materialization_run_id = r.text(i, 2);
      entry.materialization_timestamp_us = r.integer(i, 3);
      entry.materialization_partition = r.optional_text(i, 4);
      entry.last_failure_id = r.integer(i, 5);
      entry.failure_run_id = r.text(i, 6);
      out.push_back(std::move(entry));
    }
    return out;
  }

  std::optional<EventRecord> latest_materialization(const AssetKey& key,
                                                    const std::optional<std::string>& partition) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_key(key));
    std::string sql;
    if (!partition) {
      sql = std::string("SELECT ") + storage_detail::kEventColumns +
            " FROM event_logs WHERE id=(SELECT last_materialization_id FROM asset_keys WHERE asset_key=$1)";
    } else {
      p.add(stored_text(*partition));
      sql = std::string("SELECT ") + storage_detail::kEventColumns +
            " FROM event_logs WHERE asset_key=$1 AND event_type='ASSET_MATERIALIZATION' AND partition=$2 AND id>" +
            kWipedBefore + " ORDER BY id DESC LIMIT 1";
    }
    auto found = read_events(query(sql, p, "cannot read the latest materialization"));
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
  }

  std::vector<EventRecord> materialization_history(const AssetKey& key, int limit) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_key(key)).add(static_cast<int64_t>(limit));
    return read_events(query(std::string("SELECT ") + storage_detail::kEventColumns +
                                 " FROM event_logs WHERE asset_key=$1 AND event_type='ASSET_MATERIALIZATION' AND id>" +
                                 kWipedBefore + " ORDER BY id DESC LIMIT $2",
                             p, "cannot read materialization history"));
  }

  std::vector<AssetKey> asset_keys() override {
    std::lock_guard lock(mutex_);
    Result r = query(
        "SELECT asset_key FROM asset_keys WHERE last_materialization_id > wiped_before_id OR EXISTS (SELECT 1 FROM "
        "event_logs e WHERE e.asset_key=asset_keys.asset_key AND e.event_type='ASSET_OBSERVATION' AND e.id > "
        "asset_keys.wiped_before_id) ORDER BY asset_key",
        Params(), "cannot list assets");
    std::vector<AssetKey> keys;
    for (int i = 0; i < r.rows(); ++i) keys.emplace_back(r.text(i, 0));
    return keys;
  }

  void wipe_asset(const AssetKey& key) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_key(key));
    query(
        "INSERT INTO asset_keys(asset_key, last_materialization_id, wiped_before_id) VALUES($1, 0, (SELECT "
        "COALESCE(MAX(id), 0) FROM event_logs)) ON CONFLICT(asset_key) DO UPDATE SET last_materialization_id=0, "
        "last_failure_id=0, "
        "wiped_before_id=excluded.wiped_before_id",
        p, "cannot wipe asset " + key.to_string());
  }

  std::vector<PartitionStatusRecord> partition_status(const AssetKey& key) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_key(key));
    // Byte order (COLLATE "C"), as SQLite sorts: callers merge this list with sorted key lists.
    Result r =
        query(std::string("SELECT partition, status FROM asset_partitions WHERE asset_key=$1 AND last_event_id>") +
                  kWipedBefore + " ORDER BY partition COLLATE \"C\"",
              p, "cannot read partition status");
    std::vector<PartitionStatusRecord> out;
    out.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
      bool materialized = r.text(i, 1) == "ASSET_MATERIALIZATION";
      out.push_back({r.text(i, 0), materialized, !materialized});
    }
    return out;
  }

  std::vector<std::string> dynamic_partitions(const std::string& name) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_text(name));
    Result r = query("SELECT partition FROM dynamic_partitions WHERE name=$1 ORDER BY position", p,
                     "cannot read dynamic partitions");
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
    return out;
  }

  void add_dynamic_partitions(const std::string& name, const std::vector<std::string>& keys) override {
    for (const auto& key : keys) validate_partition_key_for_storage(key, "dynamic partitions '" + name + "'");
    std::lock_guard lock(mutex_);
    transaction([&] {
      exec("LOCK TABLE dynamic_partitions IN SHARE ROW EXCLUSIVE MODE");  // positions stay dense and ordered
      for (const auto& key : keys) {
        Params p;
        p.add(stored_text(name)).add(stored_text(key));
        query(
            "INSERT INTO dynamic_partitions(name, partition, position) VALUES($1, $2, (SELECT COALESCE(MAX(position), "
            "0) + 1 FROM dynamic_partitions WHERE name=$1)) ON CONFLICT(name, partition) DO NOTHING",
            p, "cannot add dynamic partitions");
      }
    });
  }

  void delete_dynamic_partition(const std::string& name, const std::string& key) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_text(name)).add(stored_text(key));
    query("DELETE FROM dynamic_partitions WHERE name=$1 AND partition=$2", p, "cannot delete a dynamic partition");
  }

  void add_backfill(const BackfillRecord& record) override {
    BackfillRecord b = storage_detail::stored_backfill(record);
    std::lock_guard lock(mutex_);
    Params p;
    p.add(b.backfill_id).add(b.selection).add(nlohmann::json(b.partitions).dump()).add(b.status).add(b.num_runs);
    p.add(b.runs_succeeded).add(b.runs_failed).add(b.create_time_us).add(b.end_time_us);
    p.add(b.launch).add(b.runs_canceled).add(b.error);
    query(std::string("INSERT INTO backfills(") + kBackfillColumns + ") VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
          p, "cannot record backfill " + b.backfill_id);
  }

  void update_backfill(const std::string& backfill_id, const std::string& status, int64_t runs_succeeded,
                       int64_t runs_failed, int64_t end_time_us) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_text(status)).add(runs_succeeded).add(runs_failed).add(end_time_us).add(stored_text(backfill_id));
    PGresult* raw = exec_params(
        "UPDATE backfills SET status=$1, runs_succeeded=$2, runs_failed=$3, end_time=$4 WHERE backfill_id=$5", p);
    Result result(raw);
    if (std::string(pq().PQcmdTuples(raw)) == "0")
      throw StorageError("no backfill " + backfill_id + " in " + description_);
  }

  std::optional<BackfillRecord> get_backfill(const std::string& backfill_id) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_text(backfill_id));
    Result r = query(std::string("SELECT ") + kBackfillColumns + " FROM backfills WHERE backfill_id=$1", p,
                     "cannot read backfill");
    if (r.rows() == 0) return std::nullopt;
    return read_backfill(r, 0);
  }

  std::vector<BackfillRecord> backfills(int limit) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(static_cast<int64_t>(limit));
    Result r = query(std::string("SELECT ") + kBackfillColumns +
                         " FROM backfills ORDER BY create_time DESC, backfill_id DESC LIMIT $1",
                     p, "cannot list backfills");
    std::vector<BackfillRecord> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_backfill(r, i));
    return out;
  }

  std::vector<BackfillRecord> active_backfills() override {
    std::lock_guard lock(mutex_);
    Result r = query(storage_detail::kActiveBackfillsSql, Params(), "cannot list backfills");
    std::vector<BackfillRecord> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_backfill(r, i));
    return out;
  }

  bool add_backfill_run(const std::string& backfill_id, int64_t chunk, const QueuedRun& queued) override {
    RunRecord run = storage_detail::stored_run(queued.run);
    run.status = RunStatus::kQueued;
    std::vector<EventRow> rows{storage_detail::to_row(run_enqueued_event(run.run_id, run.create_time_us))};
    std::lock_guard lock(mutex_);
    return add_backfill_entry(backfill_id, chunk, run.run_id, "", [&] {
      query(std::string("INSERT INTO runs(") + kRunColumns + ") VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
            run_params(run), "cannot record run " + run.run_id);
      Params p;
      p.add(run.run_id).add(stored_text(queued.launch));
      query(sql(storage_detail::kEnqueueSql), p, "cannot queue run " + run.run_id);
      write_rows(rows, false);
    });
  }

  bool add_backfill_chunk_error(const std::string& backfill_id, int64_t chunk, const std::string& error) override {
    std::lock_guard lock(mutex_);
    return add_backfill_entry(backfill_id, chunk, "", error, [] {});
  }

  std::vector<BackfillRunRecord> backfill_runs(const std::string& backfill_id) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_text(backfill_id));
    Result r = query(sql(storage_detail::kBackfillRunsSql), p, "cannot read the runs of backfill " + backfill_id);
    std::vector<BackfillRunRecord> out;
    for (int i = 0; i < r.rows(); ++i) {
      std::optional<std::string> status = r.optional_text(i, 3);
      out.push_back(
          {r.integer(i, 0), r.text(i, 1), r.text(i, 2), status ? run_status_from_name(*status) : std::nullopt});
    }
    return out;
  }

  std::vector<InstigatorState> instigator_states() override {
    std::lock_guard lock(mutex_);
    Result r = query(sql(storage_detail::kInstigatorStatesSql), Params(), "cannot read schedule and sensor states");
    std::vector<InstigatorState> out;
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({r.text(i, 0), r.text(i, 1), storage_detail::instigator_status_from_column(r.text(i, 2)),
                     r.text(i, 3), r.integer(i, 4)});
    }
    return out;
  }

  bool update_backfill_if(const std::string& backfill_id, const std::string& expected,
                          const BackfillRecord& progress) override {
    BackfillRecord b = storage_detail::stored_backfill(progress);
    std::lock_guard lock(mutex_);
    Params p;
    p.add(b.status).add(b.runs_succeeded).add(b.runs_failed).add(b.runs_canceled).add(b.end_time_us).add(b.error);
    p.add(stored_text(backfill_id)).add(stored_text(expected));
    return query(sql(storage_detail::kUpdateBackfillIfSql) + " RETURNING backfill_id", p,
                 "cannot update backfill " + backfill_id)
               .rows() > 0;
  }

  void set_instigator_status(const std::string& name, const std::string& kind, InstigatorStatus status) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_text(name)).add(kind).add(std::string(instigator_status_name(status)));
    query(sql(storage_detail::kSetInstigatorStatusSql), p, "cannot set the status of " + name);
  }

  std::vector<TickRecord> commit_ticks(const std::vector<TickCommit>& commits) override {
    std::lock_guard lock(mutex_);
    std::vector<TickRecord> recorded;
    transaction([&] {
      recorded.clear();
      bool has_runs = false;
      for (const TickCommit& commit : commits) has_runs = has_runs || !commit.runs.empty();
      if (has_runs) lock_queue();
      for (const TickCommit& commit : commits) {
        TickRecord tick = commit.tick;
        tick.instigator = stored_text(tick.instigator);
        tick.run_ids.clear();
        for (const KeyedRun& keyed : commit.runs) tick.run_ids.push_back(queue_keyed_run(tick.instigator, keyed));
        if (!tick.status.empty()) {
          Params p;
          p.add(tick.instigator).add(tick.kind).add(tick.tick_time_us).add(tick.status);
          p.add(nlohmann::json(tick.run_ids).dump()).add(stored_text(tick.skip_reason)).add(stored_text(tick.error));
          p.add(stored_text(tick.cursor)).add(tick.timestamp_us);
          query(sql(storage_detail::kInsertTickSql), p, "cannot record a tick of " + tick.instigator);
        }
        Params state;
        state.add(tick.instigator).add(tick.kind).add(stored_text(commit.cursor.value_or("")));
        state.add(int64_t{commit.cursor ? 1 : 0}).add(commit.last_tick_time_us);
        query(sql(storage_detail::kAdvanceInstigatorSql), state, "cannot record the state of " + tick.instigator);
        if (!tick.status.empty()) recorded.push_back(std::move(tick));
      }
    });
    return recorded;
  }

  std::vector<TickRecord> ticks(const std::string& instigator, int limit) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_text(instigator)).add(static_cast<int64_t>(limit));
    Result r = query(std::string("SELECT ") + storage_detail::kTickColumns +
                         " FROM ticks WHERE instigator=$1 ORDER BY tick_time DESC LIMIT $2",
                     p, "cannot read the ticks of " + instigator);
    std::vector<TickRecord> out;
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({r.text(i, 0), r.text(i, 1), r.integer(i, 2), r.text(i, 3),
                     storage_detail::stored_json<std::vector<std::string>>(
                         r.text(i, 4), "a tick of '" + instigator + "': stored partitions"),
                     r.text(i, 5), r.text(i, 6), r.text(i, 7), r.integer(i, 8)});
    }
    return out;
  }

  void record_daemon_heartbeat(const DaemonHeartbeat& heartbeat) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_text(heartbeat.loop)).add(stored_text(heartbeat.daemon_id)).add(heartbeat.time_us);
    p.add(stored_text(heartbeat.last_error));
    query(sql(storage_detail::kHeartbeatSql), p, "cannot record the heartbeat of " + heartbeat.loop);
  }

  std::vector<DaemonHeartbeat> daemon_heartbeats() override {
    std::lock_guard lock(mutex_);
    Result r = query(sql(storage_detail::kHeartbeatsSql), Params(), "cannot read the daemon heartbeats");
    std::vector<DaemonHeartbeat> out;
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({r.text(i, 0), r.text(i, 1), r.integer(i, 2), r.text(i, 3), r.integer(i, 4)});
    }
    return out;
  }

  bool acquire_daemon_lease(const std::string& holder, int64_t now_us, int64_t ttl_us) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_text(holder)).add(now_us).add(now_us + ttl_us);
    PGresult* raw = nullptr;
    try {
      raw = exec_params(sql(storage_detail::kAcquireLeaseSql), p);
    } catch (const StorageError& e) {
      throw StorageError(std::string("cannot take the daemon lease: ") + e.what());
    }
    Result result(raw);
    return std::string(pq().PQcmdTuples(raw)) != "0";
  }

  void release_daemon_lease(const std::string& holder) override {
    std::lock_guard lock(mutex_);
    Params p;
    p.add(stored_text(holder));
    query(sql(storage_detail::kReleaseLeaseSql), p, "cannot release the daemon lease");
  }

  std::optional<DaemonLease> daemon_lease() override {
    std::lock_guard lock(mutex_);
    Result r = query(sql(storage_detail::kLeaseSql), Params(), "cannot read the daemon lease");
    if (r.rows() == 0) return std::nullopt;
    return DaemonLease{r.text(0, 0), r.integer(0, 1), r.integer(0, 2)};
  }

 private:
  // add_backfill_run and add_backfill_chunk_error (inside the caller's lock): in one transaction,
  // the chunk's entry and `create_run` when the backfill still takes runs and the chunk has none.
  // The backfill's row stays locked (FOR UPDATE) until the end, so a cancel waits for it.
  template <class CreateRun>
  bool add_backfill_entry(const std::string& backfill_id, int64_t chunk, const std::string& run_id,
                          const std::string& error, CreateRun&& create_run) {
    bool added = false;
    transaction([&] {
      Params id;
      id.add(stored_text(backfill_id));
      Result status = query("SELECT status FROM backfills WHERE backfill_id=$1 FOR UPDATE", id,
                            "cannot read backfill " + backfill_id);
      if (status.rows() == 0) throw StorageError("no backfill " + backfill_id + " in " + description_);
      if (!storage_detail::backfill_takes_runs(status.text(0, 0))) return;
      lock_queue();
      Params p;
      p.add(stored_text(backfill_id)).add(chunk).add(stored_text(run_id)).add(stored_text(error));
      if (query(sql(storage_detail::kInsertBackfillRunSql) + " RETURNING chunk", p,
                "cannot record a run of backfill " + backfill_id)
              .rows() == 0) {
        return;
      }
      create_run();
      query(sql(storage_detail::kBackfillStartedSql), id, "cannot update backfill " + backfill_id);
      added = true;
    });
    return added;
  }

  // Queues `keyed` unless its key was used (inside the caller's transaction, queue locked); returns
  // the run id the key stands for.
  std::string queue_keyed_run(const std::string& instigator, const KeyedRun& keyed) {
    if (!keyed.run_key.empty()) {
      Params claim;
      claim.add(instigator).add(stored_text(keyed.run_key)).add(stored_text(keyed.run.run_id));
      claim.add(keyed.run.create_time_us);
      PGresult* raw = exec_params(sql(storage_detail::kClaimRunKeySql), claim);
      Result claimed(raw);
      if (std::string(pq().PQcmdTuples(raw)) == "0") {
        Params key;
        key.add(instigator).add(stored_text(keyed.run_key));
        Result existing = query(sql(storage_detail::kRunForKeySql), key, "cannot read run key " + keyed.run_key);
        return existing.text(0, 0);
      }
    }
    insert_queued_run(keyed.run, keyed.launch);
    return stored_text(keyed.run.run_id);
  }

  // Records `record` as QUEUED with its launch document and RUN_ENQUEUED event (in the caller's
  // transaction, queue locked).
  void insert_queued_run(const RunRecord& record, const std::string& launch) {
    RunRecord run = storage_detail::stored_run(record);
    run.status = RunStatus::kQueued;
    std::vector<EventRow> rows{storage_detail::to_row(run_enqueued_event(run.run_id, run.create_time_us))};
    query(std::string("INSERT INTO runs(") + kRunColumns + ") VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
          run_params(run), "cannot record run " + run.run_id);
    Params p;
    p.add(run.run_id).add(stored_text(launch));
    query(sql(storage_detail::kEnqueueSql), p, "cannot queue run " + run.run_id);
    write_rows(rows, false);
  }

  // Writes `rows` (in one transaction of the caller's): all in one COPY, or one COPY per row with a
  // savepoint around each, replacing a refused row by its fallback_row().
  void write_rows(std::vector<EventRow>& rows, bool one_by_one) {
    Params count;
    count.add(static_cast<int64_t>(rows.size()));
    Result ids = query("SELECT nextval(pg_get_serial_sequence('event_logs', 'id')) FROM generate_series(1, $1)", count,
                       "cannot allocate event ids");
    auto id = [&](size_t i) { return ids.integer(static_cast<int>(i), 0); };
    if (!one_by_one) {
      copy_rows(rows, id, 0, rows.size());
    } else {
      for (size_t i = 0; i < rows.size(); ++i) {
        exec("SAVEPOINT strata_event");
        try {
          copy_rows(rows, id, i, i + 1);
        } catch (const StorageError& e) {
          exec("ROLLBACK TO SAVEPOINT strata_event");
          rows[i] = fallback_row(rows[i], e.what());
          copy_rows(rows, id, i, i + 1);
        }
        exec("RELEASE SAVEPOINT strata_event");
      }
    }
    update_catalog(rows, id);
  }

  template <class Id>
  void copy_rows(const std::vector<EventRow>& rows, const Id& id, size_t begin, size_t end) {
    std::string copy;
    copy.reserve((end - begin) * 160);
    for (size_t i = begin; i < end; ++i) {
      const EventRow& row = rows[i];
      copy += std::to_string(id(i));
      for (const std::optional<std::string>& field :
           {std::optional<std::string>(row.run_id), std::optional<std::string>(row.event_type),
            std::optional<std::string>(row.step_key), std::optional<std::string>(std::to_string(row.timestamp_us)),
            std::optional<std::string>(row.level), std::optional<std::string>(row.message), row.asset_key,
            std::optional<std::string>(row.name), row.partition, std::optional<std::string>(row.metadata),
            std::optional<std::string>(row.error_type)}) {
        copy += '\t';
        append_copy_field(copy, field);
      }
      copy += '\n';
    }
    copy_in(
        "COPY event_logs(id, run_id, event_type, step_key, timestamp, level, message, asset_key, name, "
        "partition, metadata, error_type) FROM STDIN",
        copy);
  }

  // The asset catalog after `rows` were written with ids `id(i)`.
  template <class Id>
  void update_catalog(const std::vector<EventRow>& rows, const Id& id) {
    const std::string materialization = event_type_name(EventType::kMaterialization);
    const std::string failed = event_type_name(EventType::kMaterializationFailed);
    const std::string observation = event_type_name(EventType::kObservation);
    std::map<std::string, size_t> latest;          // asset key → row of its newest materialization in this batch
    std::map<std::string, size_t> latest_failure;  // asset key → row of its newest failure in this batch
    std::vector<std::string> observed;
    // (asset key, partition) → newest (id, event type) of a materialization or failure in this batch
    std::map<std::pair<std::string, std::string>, std::pair<int64_t, std::string>> partition_states;
    for (size_t i = 0; i < rows.size(); ++i) {
      const EventRow& row = rows[i];
      if (!row.asset_key) continue;
      if (row.partition && (row.event_type == materialization || row.event_type == failed)) {
        partition_states[{*row.asset_key, *row.partition}] = {id(i), row.event_type};
      }
      if (row.event_type == materialization) latest[*row.asset_key] = i;
      if (row.event_type == observation) observed.push_back(*row.asset_key);
      if (row.event_type == failed) latest_failure[*row.asset_key] = i;
    }
    for (const auto& [key, i] : latest_failure) {
      Params p;
      p.add(key).add(id(i)).add(rows[i].run_id);
      query(sql(storage_detail::kRecordFailureSql), p, "cannot update the asset catalog");
    }
    for (const auto& [key, i] : latest) {
      Params p;
      p.add(key).add(id(i)).add(rows[i].run_id).add(rows[i].timestamp_us).add(rows[i].partition);
      query(sql(storage_detail::kRecordMaterializationSql), p, "cannot update the asset catalog");
    }
    for (const auto& key : observed) {
      Params p;
      p.add(key);
      query("INSERT INTO asset_keys(asset_key) VALUES($1) ON CONFLICT(asset_key) DO NOTHING", p,
            "cannot update the asset catalog");
    }
    upsert_partition_states(partition_states);
  }

  // A row every server encoding accepts: each non-ASCII character of its text written as \u{XXXX},
  // the metadata document with \uXXXX escapes (so it reads back unchanged), and why in the message.
  static EventRow fallback_row(EventRow row, const std::string& reason) {
    for (std::string* text : {&row.run_id, &row.step_key, &row.message, &row.name, &row.error_type}) {
      *text = ascii_escaped(*text);
    }
    if (row.asset_key) row.asset_key = ascii_escaped(*row.asset_key);
    if (row.partition) row.partition = ascii_escaped(*row.partition);
    row.metadata = nlohmann::json::parse(row.metadata).dump(-1, ' ', true);
    row.message += " [stored with non-ASCII characters escaped; the database refused the event as written: " +
                   ascii_escaped(reason) + "]";
    return row;
  }

  static std::string ascii_escaped(const std::string& text) {
    std::string out;
    for (size_t at = 0; at < text.size();) {
      auto lead = static_cast<unsigned char>(text[at]);
      if (lead < 0x80) {
        out += text[at++];
        continue;
      }
      size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;  // well-formed: stored_text made it so
      uint32_t code = lead & (0x3F >> (length - 1));
      for (size_t i = 1; i < length && at + i < text.size(); ++i) {
        code = (code << 6) | (static_cast<unsigned char>(text[at + i]) & 0x3F);
      }
      char buffer[16];
      std::snprintf(buffer, sizeof buffer, "\\u{%04X}", code);
      out += buffer;
      at += length;
    }
    return out;
  }

  void ensure_schema() {
    transaction([&] {
      exec("SELECT pg_advisory_xact_lock(727372)");  // one process creates the schema at a time
      Result exists = query("SELECT to_regclass('strata_schema') IS NOT NULL", Params(), "cannot inspect schema");
      int64_t found = 0;  // a fresh database
      if (exists.text(0, 0) == "t") {
        found = query("SELECT MAX(version) FROM strata_schema", Params(), "cannot read schema version").integer(0, 0);
      }
      storage_detail::upgrade_schema(
          storage_detail::Dialect::kPostgres, found, [this](const std::string& sql) { exec(sql); }, description_,
          "Nothing was changed");
    });
  }

  PGresult* exec_params(const std::string& sql, const Params& params) {
    auto pointers = params.pointers();
    PGresult* result = pq().PQexecParams(conn_, sql.c_str(), static_cast<int>(pointers.size()), nullptr,
                                         pointers.data(), nullptr, nullptr, 0);
    ExecStatusType status = pq().PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      std::string message = pq().PQresultErrorMessage(result);
      pq().PQclear(result);
      while (!message.empty() && message.back() == '\n') message.pop_back();
      throw StorageError(description_ + ": " + message);
    }
    return result;
  }

  Result query(const std::string& sql, const Params& params, const std::string& what) {
    try {
      return Result(exec_params(sql, params));
    } catch (const StorageError& e) {
      throw StorageError(what + ": " + e.what());
    }
  }

  // Runs `body` in one transaction (BEGIN): committed when it returns, rolled back when it throws.
  template <class Body>
  void transaction(Body&& body) {
    exec("BEGIN");
    try {
      body();
      exec("COMMIT");
    } catch (...) {
      exec_noexcept("ROLLBACK");
      throw;
    }
  }

  void exec(const std::string& sql) { Result(exec_params(sql, Params())); }

  // COPY text format: NULL is \N; backslash, tab, newline and carriage return are escaped.
  static void append_copy_field(std::string& out, const std::optional<std::string>& field) {
    if (!field) {
      out += "\\N";
      return;
    }
    for (char c : *field) {
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        default:
          out += c;
      }
    }
  }

  void copy_in(const std::string& sql, const std::string& data) {
    PGresult* start = pq().PQexec(conn_, sql.c_str());
    bool copying = pq().PQresultStatus(start) == PGRES_COPY_IN;
    std::string error = copying ? "" : pq().PQresultErrorMessage(start);
    pq().PQclear(start);
    if (!copying) throw StorageError(description_ + ": cannot start COPY: " + error);
    constexpr size_t kChunk = 1 << 20;
    for (size_t offset = 0; offset < data.size(); offset += kChunk) {
      size_t size = std::min(kChunk, data.size() - offset);
      if (pq().PQputCopyData(conn_, data.data() + offset, static_cast<int>(size)) != 1) {
        throw StorageError(description_ + ": COPY failed: " + pq().PQerrorMessage(conn_));
      }
    }
    if (pq().PQputCopyEnd(conn_, nullptr) != 1)
      throw StorageError(description_ + ": COPY failed: " + pq().PQerrorMessage(conn_));
    bool ok = true;
    std::string message;
    while (PGresult* result = pq().PQgetResult(conn_)) {
      if (pq().PQresultStatus(result) != PGRES_COMMAND_OK) {
        ok = false;
        message = pq().PQresultErrorMessage(result);
      }
      pq().PQclear(result);
    }
    if (!ok) throw StorageError(description_ + ": cannot append events: " + message);
  }
  void exec_noexcept(const std::string& sql) noexcept { pq().PQclear(pq().PQexec(conn_, sql.c_str())); }

  // One multi-row upsert per chunk; keys are unique within the map, as ON CONFLICT requires.
  void upsert_partition_states(
      const std::map<std::pair<std::string, std::string>, std::pair<int64_t, std::string>>& states) {
    auto it = states.begin();
    while (it != states.end()) {
      std::string sql = "INSERT INTO asset_partitions(asset_key, partition, last_event_id, status) VALUES ";
      Params p;
      for (size_t n = 0; it != states.end() && n < kRowsPerInsert; ++it, ++n) {
        size_t base = p.size();
        p.add(it->first.first).add(it->first.second).add(it->second.first).add(it->second.second);
        sql += (n ? ",($" : "($") + std::to_string(base + 1) + ",$" + std::to_string(base + 2) + ",$" +
               std::to_string(base + 3) + "::bigint,$" + std::to_string(base + 4) + ")";
      }
      sql +=
          " ON CONFLICT(asset_key, partition) DO UPDATE SET last_event_id=excluded.last_event_id, "
          "status=excluded.status WHERE excluded.last_event_id > asset_partitions.last_event_id";
      query(sql, p, "cannot update partition status");
    }
  }

  static Params run_params(const RunRecord& run) {
    Params p;
    p.add(run.run_id).add(run.job_name).add(run.selection).add(std::string(run_status_name(run.status)));
    p.add(storage_detail::stored_tags(run.tags)).add(run.run_config).add(run.owner_host).add(run.owner_pid);
    p.add(run.owner_start_ticks).add(run.create_time_us).add(run.start_time_us).add(run.end_time_us);
    return p;
  }

  static Params slot_params(const PoolSlot& slot) {
    Params p;
    p.add(stored_text(slot.pool)).add(stored_text(slot.run_id)).add(stored_text(slot.step_key));
    return p;
  }

  static std::string sql(const char* text) {
    return storage_detail::for_dialect(storage_detail::Dialect::kPostgres, text);
  }

  // Serializes the queue's writers (enqueue, dequeue) until the transaction ends.
  void lock_queue() { exec("SELECT pg_advisory_xact_lock(727373)"); }

  std::vector<QueuedRun> read_queue() {
    Result r = query(storage_detail::kQueueSelectSql, Params(), "cannot read the run queue");
    std::vector<QueuedRun> out;
    for (int i = 0; i < r.rows(); ++i) {
      QueuedRun queued;
      queued.run = read_run(r, i);
      queued.position = r.integer(i, 12);
      queued.launch = r.text(i, 13);
      out.push_back(std::move(queued));
    }
    return out;
  }

  static BackfillRecord read_backfill(const Result& r, int i) {
    BackfillRecord out{r.text(i, 0),
                       r.text(i, 1),
                       storage_detail::stored_json<std::vector<std::string>>(
                           r.text(i, 2), "backfill '" + r.text(i, 0) + "': stored partitions"),
                       r.text(i, 3),
                       r.integer(i, 4),
                       r.integer(i, 5),
                       r.integer(i, 6),
                       r.integer(i, 7),
                       r.integer(i, 8)};
    out.launch = r.text(i, 9);
    out.runs_canceled = r.integer(i, 10);
    out.error = r.text(i, 11);
    return out;
  }

  static RunRecord read_run(const Result& r, int i) {
    RunRecord run;
    run.run_id = r.text(i, 0);
    run.job_name = r.text(i, 1);
    run.selection = r.text(i, 2);
    run.status = run_status_from_name(r.text(i, 3)).value_or(RunStatus::kFailure);
    run.tags = storage_detail::stored_json<std::map<std::string, std::string>>(r.text(i, 4),
                                                                               "run '" + run.run_id + "': stored tags");
    run.run_config = r.text(i, 5);
    run.owner_host = r.text(i, 6);
    run.owner_pid = r.integer(i, 7);
    run.owner_start_ticks = r.integer(i, 8);
    run.create_time_us = r.integer(i, 9);
    run.start_time_us = r.integer(i, 10);
    run.end_time_us = r.integer(i, 11);
    return run;
  }

  static std::vector<EventRecord> read_events(const Result& r) {
    std::vector<EventRecord> out;
    out.reserve(static_cast<size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
      EventRow row{r.text(i, 1),          r.text(i, 2),  r.text(i, 3),          r.integer(i, 4),
                   r.text(i, 5),          r.text(i, 6),  r.optional_text(i, 7), r.text(i, 8),
                   r.optional_text(i, 9), r.text(i, 10), r.text(i, 11)};
      out.push_back({r.integer(i, 0), storage_detail::from_row(std::move(row))});
    }
    return out;
  }

  std::string description_;
  PGconn* conn_ = nullptr;
  std::mutex mutex_;
};

}  // namespace

std::string PostgresConnection::describe() const {
  return "postgres://" + user + "@" + host + ":" + std::to_string(port) + "/" + dbname;
}

std::unique_ptr<Storage> open_postgres_storage(const PostgresConnection& connection) {
  return std::make_unique<PostgresStorage>(connection);
}

}  // namespace strata
