// The storage contract, run against both backends (SQLite and a real PostgreSQL server).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cerrno>
#include <cmath>
#include <limits>
#include <set>
#include <thread>

#include "backend_fixture.hpp"
#include "service_unavailable.hpp"
#include "strata/core/util/error.hpp"
#include "strata/storage/sqlite_failure.hpp"
#include "subprocess.hpp"

namespace s = strata;
using strata::testing::TempDir;

namespace {

class StorageTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres" && s::testing::shared_postgres() == nullptr) {
      STRATA_SERVICE_UNAVAILABLE("PostgreSQL server binaries are not installed; install Debian's `postgresql` package");
    }
    if (GetParam() == "postgres") {
      postgres = s::testing::new_postgres_database();
    }
    storage = open_again();
  }

  // Another connection to the same database, as another process would have.
  std::unique_ptr<s::Storage> open_again() {
    return postgres ? s::open_postgres_storage(*postgres) : s::open_sqlite_storage(dir / "history.db");
  }

  s::RunRecord run(const std::string& id, const std::string& job, int64_t created) {
    return {.run_id = id,
            .job_name = job,
            .status = s::RunStatus::kStarted,
            .tags = {{"team", "data"}},
            .run_config = "{}",
            .owner_host = "host",
            .owner_pid = 1,
            .create_time_us = created};
  }

  static s::Event event(const std::string& run_id, s::EventType type, std::optional<s::AssetKey> key = {},
                        std::optional<std::string> partition = {}) {
    s::Event e;
    e.type = type;
    e.run_id = run_id;
    e.step_key = "step";
    e.timestamp_us = s::now_unix_us();
    e.message = std::string(s::event_type_name(type)) + " message";
    e.asset_key = std::move(key);
    e.partition = std::move(partition);
    return e;
  }

  // Runs `sql` on the database directly, as an operator's hand (or a downgrade) would.
  void run_sql(const std::string& sql) {
    if (postgres) {
      std::string conninfo = "host=127.0.0.1 port=" + std::to_string(postgres->port) + " user=" + postgres->user +
                             " password=" + postgres->password + " dbname=" + postgres->dbname;
      auto result = s::testing::run_command({"psql", "-q", conninfo, "-c", sql});
      ASSERT_EQ(result.exit_code, 0) << result.output;
    } else {
      auto result = s::testing::run_command({"sqlite3", (dir / "history.db").string(), sql});
      ASSERT_EQ(result.exit_code, 0) << result.output;
    }
  }

  TempDir dir;
  std::optional<s::PostgresConnection> postgres;
  std::unique_ptr<s::Storage> storage;
};

TEST_P(StorageTest, RunsAreRecordedUpdatedAndFiltered) {
  storage->add_run(run("r1", "job_a", 100));
  storage->add_run(run("r2", "job_b", 200));
  storage->add_run(run("r3", "job_a", 300));
  EXPECT_THROW(storage->add_run(run("r1", "job_a", 400)), s::StorageError);
  storage->update_run_status("r1", s::RunStatus::kSuccess, 150);
  storage->update_run_status("r2", s::RunStatus::kFailure, 250);
  EXPECT_THROW(storage->update_run_status("nope", s::RunStatus::kSuccess, 1), s::StorageError);

  auto r1 = storage->get_run("r1");
  ASSERT_TRUE(r1.has_value());
  EXPECT_EQ(r1->status, s::RunStatus::kSuccess);
  EXPECT_EQ(r1->end_time_us, 150);
  EXPECT_EQ(r1->tags.at("team"), "data");
  EXPECT_FALSE(storage->get_run("nope").has_value());

  auto ids = [](const std::vector<s::RunRecord>& runs) {
    std::vector<std::string> out;
    for (const auto& r : runs) out.push_back(r.run_id);
    return out;
  };
  EXPECT_EQ(ids(storage->runs({})), (std::vector<std::string>{"r3", "r2", "r1"}));  // newest first
  EXPECT_EQ(ids(storage->runs({.status = s::RunStatus::kStarted})), (std::vector<std::string>{"r3"}));
  EXPECT_EQ(ids(storage->runs({.job_name = "job_a"})), (std::vector<std::string>{"r3", "r1"}));
  EXPECT_EQ(ids(storage->runs({.created_after_us = 150, .created_before_us = 300})), (std::vector<std::string>{"r2"}));
  EXPECT_EQ(ids(storage->runs({.limit = 1})), (std::vector<std::string>{"r3"}));
}

// finish_run: the run's last event and its status (end time: the event's) in one transaction; an
// unknown run changes nothing, not even the event log.
TEST_P(StorageTest, FinishRunRecordsTheLastEventAndTheStatusTogether) {
  storage->add_run(run("r1", "job", 1));
  s::Event last = event("r1", s::EventType::kRunSuccess);
  last.timestamp_us = 42;
  storage->finish_run("r1", s::RunStatus::kSuccess, last);
  EXPECT_EQ(storage->get_run("r1")->status, s::RunStatus::kSuccess);
  EXPECT_EQ(storage->get_run("r1")->end_time_us, 42);
  auto events = storage->events_for_run("r1");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event.type, s::EventType::kRunSuccess);
  EXPECT_THROW(storage->finish_run("nope", s::RunStatus::kSuccess, event("nope", s::EventType::kRunSuccess)),
               s::StorageError);
  EXPECT_EQ(storage->count_events("nope"), 0);
}

// The reaper read STARTED, then the run reached SUCCESS before the reaper wrote: its stale
// expectation changes nothing. A run still STARTED is failed once, with its event, and only once.
TEST_P(StorageTest, FailRunIfStatusChangesOnlyARunStillInTheExpectedStatus) {
  storage->add_run(run("finished", "job", 1));
  storage->update_run_status("finished", s::RunStatus::kSuccess, 5);
  EXPECT_FALSE(
      storage->fail_run_if_status("finished", s::RunStatus::kStarted, event("finished", s::EventType::kRunFailure)));
  EXPECT_EQ(storage->get_run("finished")->status, s::RunStatus::kSuccess);
  EXPECT_EQ(storage->get_run("finished")->end_time_us, 5);
  EXPECT_EQ(storage->count_events("finished"), 0);

  storage->add_run(run("dead", "job", 2));
  s::Event failure = event("dead", s::EventType::kRunFailure);
  EXPECT_TRUE(storage->fail_run_if_status("dead", s::RunStatus::kStarted, failure));
  EXPECT_FALSE(open_again()->fail_run_if_status("dead", s::RunStatus::kStarted, failure));
  auto dead = storage->get_run("dead");
  EXPECT_EQ(dead->status, s::RunStatus::kFailure);
  EXPECT_EQ(dead->end_time_us, failure.timestamp_us);
  auto events = storage->events_for_run("dead");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event.type, s::EventType::kRunFailure);
  EXPECT_EQ(events[0].event.message, failure.message);
  EXPECT_FALSE(
      storage->fail_run_if_status("unknown", s::RunStatus::kStarted, event("unknown", s::EventType::kRunFailure)));
  EXPECT_EQ(storage->count_events(), 1);
}

TEST_P(StorageTest, EventsKeepOrderMetadataAndSupportACursor) {
  storage->add_run(run("r1", "job", 1));
  s::Event rich = event("r1", s::EventType::kMaterialization, s::AssetKey{"analytics", "stories"});
  rich.name = "result";
  rich.message = "line 1\nline 2\ttabbed \\ back\\slash \r end";  // escaped by both backends' bulk paths
  rich.level = s::LogLevel::kWarning;
  rich.error_type = "none";
  rich.metadata = {{"num_records", 42},
                   {"ratio", 0.25},
                   {"ok", true},
                   {"preview", s::markdown("| a |\n|---|")},
                   {"columns", std::vector<std::string>{"id", "title"}},
                   {"path", s::MetadataValue::path("/data/x")},
                   {"url", s::MetadataValue::url("http://127.0.0.1/x")},
                   {"schema", s::MetadataValue::table_schema({{"id", "int64"}, {"title", "string"}})},
                   {"rows", s::MetadataValue::table_preview({{"id"}, {{"1"}, {"2"}}})},
                   {"at", s::MetadataValue::timestamp(1700000000.5)},
                   {"unicode", "naïve — ✓"}};
  storage->append_events({event("r1", s::EventType::kRunStart), event("r1", s::EventType::kStepStart)});
  storage->append_events({rich});
  storage->append_events({event("r1", s::EventType::kStepSuccess), event("r1", s::EventType::kRunSuccess)});

  auto all = storage->events_for_run("r1");
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].id, all[i - 1].id);
  EXPECT_EQ(all.front().event.type, s::EventType::kRunStart);
  EXPECT_EQ(all.back().event.type, s::EventType::kRunSuccess);
  const s::Event& back = all[2].event;
  EXPECT_EQ(back.asset_key, (s::AssetKey{"analytics", "stories"}));
  EXPECT_EQ(back.metadata, rich.metadata);
  EXPECT_EQ(back.level, s::LogLevel::kWarning);
  EXPECT_EQ(back.name, "result");
  EXPECT_EQ(back.message, rich.message);
  EXPECT_EQ(back.timestamp_us, rich.timestamp_us);

  // Tailing: only what came after the cursor, in order; an empty answer when nothing is new.
  auto after = storage->events_for_run("r1", all[1].id);
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after.front().id, all[2].id);
  EXPECT_TRUE(storage->events_for_run("r1", all.back().id).empty());
  EXPECT_EQ(storage->events_for_run("r1", 0, 2).size(), 2u);
  EXPECT_EQ(storage->count_events("r1"), 5);
  EXPECT_EQ(storage->count_events(), 5);
}

TEST_P(StorageTest, LatestMaterializationHistoryAndRunsByAsset) {
  s::AssetKey key{"topstories"};
  for (const char* id : {"r1", "r2", "r3"}) {
    storage->add_run(run(id, "job", 1));
    s::Event m = event(id, s::EventType::kMaterialization, key);
    m.metadata = {{"run", id}};
    storage->append_events({event(id, s::EventType::kRunStart), m, event(id, s::EventType::kRunSuccess)});
  }
  storage->append_events({event("r3", s::EventType::kMaterialization, s::AssetKey{"other"})});
  auto latest = storage->latest_materialization(key);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->event.run_id, "r3");
  EXPECT_EQ(latest->event.metadata.at("run").as_text(), "r3");
  auto history = storage->materialization_history(key);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].event.run_id, "r3");
  EXPECT_EQ(history[2].event.run_id, "r1");
  EXPECT_EQ(storage->materialization_history(key, 2).size(), 2u);
  EXPECT_FALSE(storage->latest_materialization(s::AssetKey{"missing"}).has_value());
  EXPECT_EQ(storage->asset_keys(), (std::vector<s::AssetKey>{"other", "topstories"}));
  EXPECT_EQ(storage->runs({.asset_key = s::AssetKey{"other"}}).size(), 1u);
  EXPECT_EQ(storage->runs({.asset_key = key}).size(), 3u);
}

TEST_P(StorageTest, PartitionsHaveTheirOwnLatestAndStatus) {
  s::AssetKey key{"events"};
  storage->add_run(run("r1", "job", 1));
  storage->append_events({event("r1", s::EventType::kMaterialization, key, "2024-01-01"),
                          event("r1", s::EventType::kMaterialization, key, "2024-01-02"),
                          event("r1", s::EventType::kMaterializationFailed, key, "2024-01-03"),
                          event("r1", s::EventType::kMaterializationFailed, key, "2024-01-01")});
  auto latest = storage->latest_materialization(key, std::string("2024-01-02"));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->event.partition, "2024-01-02");
  EXPECT_FALSE(storage->latest_materialization(key, std::string("2024-01-03")).has_value());
  auto status = storage->partition_status(key);
  ASSERT_EQ(status.size(), 3u);
  EXPECT_EQ(status[0].partition, "2024-01-01");
  EXPECT_TRUE(status[0].failed);  // the latest attempt failed
  EXPECT_TRUE(status[1].materialized);
  EXPECT_TRUE(status[2].failed);
}

TEST_P(StorageTest, WipeForgetsAssetHistoryButKeepsRunLogs) {
  s::AssetKey key{"stories"};
  storage->add_run(run("r1", "job", 1));
  storage->append_events(
      {event("r1", s::EventType::kMaterialization, key, "p1"), event("r1", s::EventType::kMaterialization, key)});
  storage->wipe_asset(key);
  EXPECT_FALSE(storage->latest_materialization(key).has_value());
  EXPECT_FALSE(storage->latest_materialization(key, std::string("p1")).has_value());
  EXPECT_TRUE(storage->materialization_history(key).empty());
  EXPECT_TRUE(storage->partition_status(key).empty());
  EXPECT_TRUE(storage->asset_keys().empty());
  EXPECT_EQ(storage->events_for_run("r1").size(), 2u);  // the run's own log is intact
  storage->append_events({event("r1", s::EventType::kMaterialization, key)});
  EXPECT_TRUE(storage->latest_materialization(key).has_value());
  EXPECT_EQ(storage->materialization_history(key).size(), 1u);
}

TEST_P(StorageTest, ConcurrentWritersLoseAndDuplicateNothing) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 25;
  constexpr int kPerBatch = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    storage->add_run(run("run-" + std::to_string(t), "job", t));
  }
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread writes through its own connection, as separate processes would.
      auto own = open_again();
      s::Storage& target = *own;
      for (int b = 0; b < kBatches; ++b) {
        std::vector<s::Event> batch;
        for (int i = 0; i < kPerBatch; ++i) {
          s::Event e = event("run-" + std::to_string(t), s::EventType::kLog);
          e.message = std::to_string(b * kPerBatch + i);
          batch.push_back(e);
        }
        target.append_events(batch);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(storage->count_events(), kThreads * kBatches * kPerBatch);
  for (int t = 0; t < kThreads; ++t) {
    auto events = storage->events_for_run("run-" + std::to_string(t));
    ASSERT_EQ(events.size(), static_cast<size_t>(kBatches * kPerBatch));
    for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].event.message, std::to_string(i));  // in order
  }
}

// Bytes that are not UTF-8, and NUL, anywhere in an event: the event (and the batch around it) is
// stored, and reads back with each ill-formed sequence and NUL as U+FFFD.
TEST_P(StorageTest, EventsWithInvalidUtf8OrNulAreStoredSanitized) {
  const std::string bad = std::string("caf\xC3") + "|\xFF\xFE|" + std::string("nul\0end", 7) + "|\xE2\x9C";
  const std::string clean = "caf\uFFFD|\uFFFD\uFFFD|nul\uFFFDend|\uFFFD";
  s::AssetKey bad_key{"raw\xFF", "stories"};
  s::AssetKey clean_key{"raw\uFFFD", "stories"};
  storage->add_run(run("r1", "job", 1));
  s::Event m = event("r1", s::EventType::kMaterialization, bad_key, "2024-01-01" + bad);
  m.message = bad;
  m.name = bad;
  m.metadata = {{"text", bad},
                {"preview", s::markdown("| a |\n|---|\n| " + bad + " |")},
                {bad, s::MetadataValue::path("/data/" + bad)},
                {"columns", std::vector<std::string>{bad}},
                {"rows", s::MetadataValue::table_preview({{bad}, {{bad}}})},
                {"nan", std::numeric_limits<double>::quiet_NaN()},
                {"inf", -std::numeric_limits<double>::infinity()}};
  s::Event log = event("r1", s::EventType::kLog);
  log.message = bad;
  log.step_key = bad;
  storage->append_events({event("r1", s::EventType::kRunStart), log, m, event("r1", s::EventType::kRunSuccess)});

  auto all = storage->events_for_run("r1");
  ASSERT_EQ(all.size(), 4u);  // the whole batch
  EXPECT_EQ(all[1].event.message, clean);
  EXPECT_EQ(all[1].event.step_key, clean);
  const s::Event& back = all[2].event;
  EXPECT_EQ(back.type, s::EventType::kMaterialization);
  EXPECT_EQ(back.message, clean);
  EXPECT_EQ(back.name, clean);
  EXPECT_EQ(back.asset_key, clean_key);
  EXPECT_EQ(back.partition, "2024-01-01" + clean);
  EXPECT_EQ(back.metadata.at("text").as_text(), clean);
  EXPECT_EQ(back.metadata.at("preview").as_text(), "| a |\n|---|\n| " + clean + " |");
  EXPECT_EQ(back.metadata.at(clean).as_text(), "/data/" + clean);
  EXPECT_EQ(back.metadata.at("columns").as_text(), "[\"" + clean + "\"]");
  EXPECT_EQ(back.metadata.at("rows").as_table_preview(), (s::TablePreview{{clean}, {{clean}}}));
  EXPECT_TRUE(std::isnan(back.metadata.at("nan").as_float()));
  EXPECT_EQ(back.metadata.at("inf").as_float(), -std::numeric_limits<double>::infinity());

  // The catalog holds the materialization, and a lookup with the key as given finds it.
  auto latest = storage->latest_materialization(bad_key);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->id, all[2].id);
  ASSERT_TRUE(storage->latest_materialization(bad_key, "2024-01-01" + bad).has_value());
  EXPECT_EQ(storage->materialization_history(bad_key).size(), 1u);
  EXPECT_EQ(storage->asset_keys(), (std::vector<s::AssetKey>{clean_key}));
  ASSERT_EQ(storage->partition_status(bad_key).size(), 1u);
  EXPECT_EQ(storage->partition_status(bad_key)[0].partition, "2024-01-01" + clean);
  EXPECT_EQ(storage->runs({.asset_key = bad_key}).size(), 1u);
}

TEST_P(StorageTest, RunsBackfillsAndDynamicPartitionsWithInvalidUtf8AreStoredSanitized) {
  s::RunRecord r = run("r\xFF", "job\xFF", 1);
  r.tags = {{"partition", std::string("p\xC3\0", 3)}};
  r.selection = "sel\xFF";
  storage->add_run(r);
  auto back = storage->get_run("r\xFF");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->run_id, "r\uFFFD");
  EXPECT_EQ(back->job_name, "job\uFFFD");
  EXPECT_EQ(back->selection, "sel\uFFFD");
  EXPECT_EQ(back->tags.at("partition"), "p\uFFFD\uFFFD");
  storage->update_run_status("r\xFF", s::RunStatus::kSuccess, 2);
  EXPECT_EQ(storage->get_run("r\uFFFD")->status, s::RunStatus::kSuccess);
  storage->add_backfill({.backfill_id = "bf\xFF", .selection = "e", .partitions = {"p\xFF"}, .status = "RUNNING"});
  storage->update_backfill("bf\xFF", "DONE\xFF", 1, 0, 3);
  auto backfill = storage->get_backfill("bf\xFF");
  ASSERT_TRUE(backfill.has_value());
  EXPECT_EQ(backfill->backfill_id, "bf\uFFFD");
  EXPECT_EQ(backfill->status, "DONE\uFFFD");
  EXPECT_EQ(backfill->partitions, (std::vector<std::string>{"p\uFFFD"}));

  // Partition keys name files: invalid UTF-8 or NUL in one is refused, not cleaned into another key.
  EXPECT_THROW(storage->add_dynamic_partitions("names\xFF", {"a\xFF"}), s::PartitionError);
  EXPECT_THROW(storage->add_dynamic_partitions("names\xFF", {std::string("b\0", 2)}), s::PartitionError);
  storage->add_dynamic_partitions("names\xFF", {"a", "b"});  // the definition's name is text: cleaned
  storage->delete_dynamic_partition("names\xFF", "a");
  EXPECT_EQ(storage->dynamic_partitions("names\uFFFD"), (std::vector<std::string>{"b"}));
}

TEST_P(StorageTest, DynamicPartitionsAreKeptInOrder) {
  EXPECT_TRUE(storage->dynamic_partitions("customers").empty());
  storage->add_dynamic_partitions("customers", {"globex", "acme"});
  storage->add_dynamic_partitions("customers", {"acme", "initech"});  // idempotent for known keys
  storage->add_dynamic_partitions("regions", {"us"});
  EXPECT_EQ(storage->dynamic_partitions("customers"), (std::vector<std::string>{"globex", "acme", "initech"}));
  storage->delete_dynamic_partition("customers", "acme");
  EXPECT_EQ(open_again()->dynamic_partitions("customers"), (std::vector<std::string>{"globex", "initech"}));
  EXPECT_EQ(storage->dynamic_partitions("regions"), (std::vector<std::string>{"us"}));
}

TEST_P(StorageTest, BackfillsRecordProgress) {
  storage->add_backfill({.backfill_id = "bf-1",
                         .selection = "events",
                         .partitions = {"2024-01-01", "2024-01-02"},
                         .status = "RUNNING",
                         .num_runs = 2,
                         .create_time_us = 10});
  storage->add_backfill({.backfill_id = "bf-2",
                         .selection = "events",
                         .partitions = {"2024-01-03"},
                         .status = "RUNNING",
                         .num_runs = 1,
                         .create_time_us = 20});
  storage->update_backfill("bf-1", "FAILED", 1, 1, 99);
  EXPECT_THROW(storage->update_backfill("bf-9", "FAILED", 0, 0, 0), s::StorageError);
  auto one = storage->get_backfill("bf-1");
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(one->status, "FAILED");
  EXPECT_EQ(one->partitions, (std::vector<std::string>{"2024-01-01", "2024-01-02"}));
  EXPECT_EQ(one->runs_succeeded, 1);
  EXPECT_EQ(one->runs_failed, 1);
  EXPECT_EQ(one->end_time_us, 99);
  auto all = storage->backfills();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all.front().backfill_id, "bf-2");  // newest first
  EXPECT_FALSE(storage->get_backfill("bf-9").has_value());
}

// A daemon-driven backfill: each chunk gets one entry (its run, queued in the same transaction, or
// why it has none), only while the backfill takes runs; status changes are conditional.
TEST_P(StorageTest, DaemonBackfillChunksGetOneRunEach) {
  storage->add_backfill({.backfill_id = "bf-d",
                         .selection = "events",
                         .partitions = {"a", "b", "c"},
                         .status = "REQUESTED",
                         .num_runs = 3,
                         .create_time_us = 10,
                         .launch = "{\"chunks\":[[\"a\"],[\"b\"],[\"c\"]]}"});
  ASSERT_EQ(storage->active_backfills().size(), 1u);
  EXPECT_EQ(storage->active_backfills().front().launch, "{\"chunks\":[[\"a\"],[\"b\"],[\"c\"]]}");
  s::QueuedRun first{0, run("run-a", "__ASSET_JOB", 11), "{\"select\":\"events\"}"};
  EXPECT_TRUE(storage->add_backfill_run("bf-d", 0, first));
  s::QueuedRun again{0, run("run-a2", "__ASSET_JOB", 12), "{}"};
  EXPECT_FALSE(open_again()->add_backfill_run("bf-d", 0, again)) << "a chunk gets one run";
  EXPECT_FALSE(storage->get_run("run-a2").has_value()) << "nothing of the refused run is recorded";
  EXPECT_EQ(storage->get_backfill("bf-d")->status, "RUNNING");
  ASSERT_EQ(storage->queued_runs().size(), 1u);
  EXPECT_EQ(storage->queued_runs().front().launch, "{\"select\":\"events\"}");
  EXPECT_TRUE(storage->add_backfill_chunk_error("bf-d", 1, "partition b no longer exists"));
  auto entries = storage->backfill_runs("bf-d");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].run_id, "run-a");
  EXPECT_EQ(entries[0].status, s::RunStatus::kQueued);
  EXPECT_EQ(entries[1].run_id, "");
  EXPECT_EQ(entries[1].error, "partition b no longer exists");
  EXPECT_FALSE(entries[1].status.has_value());

  s::BackfillRecord canceling = *storage->get_backfill("bf-d");
  canceling.status = "CANCELING";
  EXPECT_FALSE(storage->update_backfill_if("bf-d", "REQUESTED", canceling)) << "status is RUNNING";
  EXPECT_TRUE(storage->update_backfill_if("bf-d", "RUNNING", canceling));
  s::QueuedRun late{0, run("run-c", "__ASSET_JOB", 13), "{}"};
  EXPECT_FALSE(storage->add_backfill_run("bf-d", 2, late)) << "a canceled backfill gets no new run";
  EXPECT_FALSE(storage->get_run("run-c").has_value());
  canceling.status = "CANCELED";
  canceling.runs_canceled = 1;
  canceling.error = "why";
  canceling.end_time_us = 99;
  EXPECT_TRUE(storage->update_backfill_if("bf-d", "CANCELING", canceling));
  auto done = open_again()->get_backfill("bf-d");
  EXPECT_EQ(done->status, "CANCELED");
  EXPECT_EQ(done->runs_canceled, 1);
  EXPECT_EQ(done->error, "why");
  EXPECT_EQ(done->end_time_us, 99);
  EXPECT_TRUE(storage->active_backfills().empty());
  EXPECT_THROW(storage->add_backfill_run("bf-none", 0, late), s::StorageError);
}

// A database written by schema version 1 is migrated when opened: the version-2 tables appear,
// per-partition status is rebuilt from the event log, and the version-3 queue and pool tables appear.
TEST_P(StorageTest, VersionOneDatabaseIsMigrated) {
  s::AssetKey key{"events"};
  storage->add_run(run("r1", "job", 1));
  storage->append_events({event("r1", s::EventType::kMaterialization, key, "2024-01-01"),
                          event("r1", s::EventType::kMaterializationFailed, key, "2024-01-02")});
  storage.reset();
  std::string downgrade =
      "DROP TABLE asset_partitions; DROP TABLE dynamic_partitions; DROP TABLE backfills; DROP TABLE run_queue; "
      "DROP TABLE pool_slots; ALTER TABLE asset_keys DROP COLUMN last_run_id; ALTER TABLE asset_keys DROP COLUMN "
      "last_timestamp; ALTER TABLE asset_keys DROP COLUMN last_partition; ALTER TABLE asset_keys DROP COLUMN "
      "last_failure_id; ALTER TABLE asset_keys DROP COLUMN last_failure_run_id; DROP TABLE backfill_runs; DROP TABLE "
      "instigators; DROP TABLE ticks; DROP TABLE run_keys; DROP TABLE "
      "daemon_heartbeats; DROP TABLE daemon_lease; UPDATE strata_schema SET version = 1;";
  run_sql(downgrade);
  storage = open_again();
  auto status = storage->partition_status(key);
  ASSERT_EQ(status.size(), 2u);
  EXPECT_TRUE(status[0].materialized);
  EXPECT_TRUE(status[1].failed);
  storage->add_dynamic_partitions("customers", {"acme"});  // the new tables exist
  EXPECT_EQ(storage->dynamic_partitions("customers").size(), 1u);
  EXPECT_TRUE(storage->queued_runs().empty());
  EXPECT_TRUE(storage->claim_pool_slot({"warehouse", "r1", "step"}, 1));
  auto catalog = storage->asset_catalog();  // version 4: the latest of each, rebuilt from the log
  ASSERT_EQ(catalog.size(), 1u);
  EXPECT_GT(catalog[0].last_failure_id, catalog[0].last_materialization_id);
  EXPECT_GT(catalog[0].last_materialization_id, 0);
  EXPECT_EQ(catalog[0].materialization_run_id, "r1");
  EXPECT_EQ(catalog[0].materialization_partition, "2024-01-01");
  EXPECT_EQ(catalog[0].failure_run_id, "r1");
}

// JSON columns damaged in the database (edited by hand, a torn copy) read back as StorageErrors
// naming the record and the column, never as a JSON library's exceptions.
TEST_P(StorageTest, DamagedJsonColumnsAreStorageErrorsNamingTheRecord) {
  auto storage_error_of = [](auto&& read) -> std::string {
    try {
      read();
    } catch (const s::StorageError& e) {
      return e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a StorageError: " << e.what();
      return "";
    }
    ADD_FAILURE() << "expected a StorageError";
    return "";
  };
  storage->add_run(run("r1", "job", 1));
  storage->add_backfill({.backfill_id = "bf-1", .selection = "events", .partitions = {"a"}, .status = "RUNNING"});
  run_sql("UPDATE runs SET tags = '{\"team\": ' WHERE run_id = 'r1'");
  run_sql("UPDATE backfills SET partitions = '[\"a\", 7]' WHERE backfill_id = 'bf-1'");
  EXPECT_EQ(storage_error_of([&] { storage->get_run("r1"); }).rfind("run 'r1': stored tags are damaged", 0), 0u);
  EXPECT_EQ(storage_error_of([&] { storage->runs({}); }).rfind("run 'r1': stored tags are damaged", 0), 0u);
  EXPECT_EQ(storage_error_of([&] {
              storage->get_backfill("bf-1");
            }).rfind("backfill 'bf-1': stored partitions are damaged", 0),
            0u);
}

// The asset list's read: every asset's latest materialization and failure since its wipe, at once.
TEST_P(StorageTest, AssetCatalogHasEachAssetsLatestMaterializationAndFailure) {
  storage->add_run(run("r1", "job", 1));
  storage->add_run(run("r2", "job", 2));
  EXPECT_TRUE(storage->asset_catalog().empty());
  EXPECT_EQ(storage->last_event_id(), 0);
  storage->append_events({event("r1", s::EventType::kMaterialization, s::AssetKey{"a"}),
                          event("r1", s::EventType::kMaterializationFailed, s::AssetKey{"b"}),
                          event("r1", s::EventType::kMaterialization, s::AssetKey{"c"}, "p1"),
                          event("r1", s::EventType::kMaterialization, s::AssetKey{"d"}),
                          event("r1", s::EventType::kMaterializationFailed, s::AssetKey{"e"}),
                          event("r1", s::EventType::kObservation, s::AssetKey{"f"})});
  storage->append_events({event("r2", s::EventType::kMaterializationFailed, s::AssetKey{"c"}, "p2"),
                          event("r2", s::EventType::kMaterialization, s::AssetKey{"e"}),
                          event("r2", s::EventType::kLog)});
  storage->wipe_asset(s::AssetKey{"d"});
  auto catalog = storage->asset_catalog();
  std::vector<s::AssetKey> keys;
  for (const auto& entry : catalog) keys.push_back(entry.key);
  ASSERT_EQ(keys, (std::vector<s::AssetKey>{"a", "b", "c", "e"}));  // d wiped, f only observed
  EXPECT_GT(catalog[0].last_materialization_id, 0);
  EXPECT_EQ(catalog[0].materialization_run_id, "r1");
  EXPECT_EQ(catalog[0].last_failure_id, 0);
  EXPECT_FALSE(catalog[0].materialization_partition.has_value());
  EXPECT_EQ(catalog[1].last_materialization_id, 0);
  EXPECT_GT(catalog[1].last_failure_id, 0);
  EXPECT_EQ(catalog[1].failure_run_id, "r1");
  EXPECT_EQ(catalog[2].materialization_partition, "p1");
  EXPECT_GT(catalog[2].last_failure_id, catalog[2].last_materialization_id);
  EXPECT_EQ(catalog[2].failure_run_id, "r2");
  EXPECT_GT(catalog[3].last_materialization_id, catalog[3].last_failure_id);
  EXPECT_EQ(catalog[3].materialization_run_id, "r2");
  EXPECT_GT(catalog[3].materialization_timestamp_us, 0);

  // Tailing every run's events.
  int64_t last = storage->last_event_id();
  EXPECT_EQ(last, catalog[3].last_materialization_id + 1);  // the log event after it
  auto tail = storage->events_after(catalog[2].last_failure_id, 10);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].event.run_id, "r2");
  EXPECT_EQ(tail[1].id, last);
  EXPECT_EQ(storage->events_after(0, 4).size(), 4u);
  EXPECT_TRUE(storage->events_after(last, 10).empty());
}

// Each cause of an SQLite failure is worded as what it is; only a corrupt file is called unusable.
TEST(SqliteFailure, EachCauseHasItsOwnMessage) {
  using Kind = s::SqliteFailureKind;
  EXPECT_EQ(s::classify_sqlite_failure(SQLITE_FULL, 0), Kind::kDiskFull);
  EXPECT_EQ(s::classify_sqlite_failure(SQLITE_IOERR_WRITE, ENOSPC), Kind::kDiskFull);
  EXPECT_EQ(s::classify_sqlite_failure(SQLITE_IOERR_SHMSIZE, ENOSPC), Kind::kDiskFull);
  EXPECT_EQ(s::classify_sqlite_failure(SQLITE_IOERR_WRITE, EDQUOT), Kind::kDiskFull);
  EXPECT_EQ(s::classify_sqlite_failure(SQLITE_IOERR_WRITE, EFBIG), Kind::kFileTooLarge);
  EXPECT_EQ(s::classify_sqlite_failure(SQLITE_READONLY, EROFS), Kind::kReadOnlyFileSystem);
  EXPECT_EQ(s::classify_sqlite_failure(SQLITE_CANTOPEN, EACCES), Kind::kPermissionDenied);
  EXPECT_EQ(s::classify_sqlite_failure(SQLITE_PERM, 0), Kind::kPermissionDenied);
  EXPECT_EQ(s::classify_sqlite_failure(SQLITE_BUSY, 0), Kind::kBusy);
  EXPECT_EQ(s::classify_sqlite_failure(SQLITE_LOCKED, 0), Kind::kBusy);
  EXPECT_EQ(s::classify_sqlite_failure(SQLITE_CORRUPT, 0), Kind::kCorrupt);
  EXPECT_EQ(s::classify_sqlite_failure(SQLITE_NOTADB, 0), Kind::kCorrupt);
  EXPECT_EQ(s::classify_sqlite_failure(SQLITE_IOERR_READ, EIO), Kind::kIo);
  EXPECT_EQ(s::classify_sqlite_failure(SQLITE_CONSTRAINT, 0), Kind::kOther);

  EXPECT_EQ(s::sqlite_failure_message(Kind::kDiskFull, "/home/h/history.db", "database or disk is full"),
            "the disk holding '/home/h/history.db' is full; free space and retry — the history is intact");
  for (Kind kind : {Kind::kDiskFull, Kind::kFileTooLarge, Kind::kReadOnlyFileSystem, Kind::kPermissionDenied,
                    Kind::kBusy, Kind::kCorrupt, Kind::kIo, Kind::kOther}) {
    std::string message = s::sqlite_failure_message(kind, "/h/history.db", "detail");
    EXPECT_NE(message.find("'/h/history.db'"), std::string::npos) << message;
    bool corrupt = kind == Kind::kCorrupt;
    EXPECT_EQ(message.find("move it away") != std::string::npos, corrupt) << message;
    EXPECT_EQ(message.find("not a usable") != std::string::npos, corrupt) << message;
    EXPECT_EQ(s::blocks_only_writing(kind),
              message.find("history is intact") != std::string::npos && kind != Kind::kBusy)
        << message;
  }
  EXPECT_NE(s::sqlite_failure_message(Kind::kReadOnlyFileSystem, "/h/x.db", "").find("read-only file system"),
            std::string::npos);
  EXPECT_NE(s::sqlite_failure_message(Kind::kBusy, "/h/x.db", "database is locked").find("locked by another process"),
            std::string::npos);
}

// A database whose encoding lacks a character refuses the row holding it, which fails a whole COPY:
// the rest of the batch is stored as written, the refused event in ASCII form with the reason, and
// a materialization still counts in the catalog.
TEST(PostgresStorage, AnEventTheDatabaseRefusesIsStoredEscapedWithTheRestOfItsBatch) {
  if (s::testing::shared_postgres() == nullptr)
    STRATA_SERVICE_UNAVAILABLE("PostgreSQL server binaries are not installed");
  auto storage = s::open_postgres_storage(s::testing::new_postgres_database("LATIN1"));
  s::Event start;
  start.type = s::EventType::kRunStart;
  start.run_id = "r1";
  start.message = "café";  // LATIN1 has é
  s::Event m = start;
  m.type = s::EventType::kMaterialization;
  m.asset_key = s::AssetKey{"stories"};
  m.message = "done ✓";  // LATIN1 has no ✓
  m.metadata = {{"mark", "✓"}, {"rows", 3}};
  s::Event end = start;
  end.type = s::EventType::kRunSuccess;
  storage->append_events({start, m, end});

  auto all = storage->events_for_run("r1");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].event.message, "café");
  EXPECT_EQ(all[2].event.type, s::EventType::kRunSuccess);
  const s::Event& back = all[1].event;
  EXPECT_EQ(back.type, s::EventType::kMaterialization);
  EXPECT_EQ(back.message.rfind("done \\u{2713} [stored with non-ASCII characters escaped", 0), 0u) << back.message;
  EXPECT_NE(back.message.find("LATIN1"), std::string::npos) << back.message;
  EXPECT_EQ(back.metadata, m.metadata);  // JSON escapes keep it whole
  auto latest = storage->latest_materialization(s::AssetKey{"stories"});
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->id, all[1].id);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

}  // namespace
