// The instance: STRATA_HOME configuration, runs and events recorded by the engine, concurrent
// processes, processes killed mid-run, and bad databases — on SQLite and on a real PostgreSQL.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <strata/strata.hpp>
#include <thread>

#include "backend_fixture.hpp"
#include "expect_error.hpp"
#include "free_port.hpp"
#include "instance_backend_test.hpp"
#include "service_unavailable.hpp"
#include "sqlite_statement.hpp"
#include "subprocess.hpp"

namespace s = strata;
namespace fs = std::filesystem;
using strata::testing::TempDir;

namespace {

const std::string kWorker = STRATA_INSTANCE_WORKER;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

using strata::testing::error_of;

using InstanceTest = strata::testing::InstanceBackendTest;

s::AssetsDefinition counted(const std::string& name) {
  return s::asset(name, [] { return 1; });
}

TEST_P(InstanceTest, EngineRecordsRunEventsAndCatalog) {
  auto instance = s::Instance::open(home.path());
  auto a = s::asset("a", [](s::AssetContext& ctx) {
    ctx.add_output_metadata({{"num_records", 3}});
    return std::vector<int>{1, 2, 3};
  });
  auto b = s::asset("b", {.ins = {"a"}}, [](const std::vector<int>& v) { return v.size(); });
  auto result = s::materialize({a, b}, {.instance = instance, .tags = {{"owner", "tests"}}});
  ASSERT_TRUE(result.success()) << result.failure_message();
  s::Storage& storage = instance->storage();
  auto run = storage.get_run(result.run_id());
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->status, s::RunStatus::kSuccess);
  EXPECT_EQ(run->tags.at("owner"), "tests");
  EXPECT_EQ(run->selection, "a,b");
  EXPECT_GT(run->end_time_us, 0);
  // Every event of the result is in the log, in the same order.
  auto stored = storage.events_for_run(result.run_id());
  ASSERT_EQ(stored.size(), result.events().size());
  for (size_t i = 0; i < stored.size(); ++i) EXPECT_EQ(stored[i].event.type, result.events()[i].type);
  auto latest = storage.latest_materialization(s::AssetKey{"a"});
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->event.metadata.at("num_records").as_int(), 3);
  EXPECT_EQ(latest->event.run_id, result.run_id());
  // Values went to the instance's storage directory.
  EXPECT_TRUE(fs::exists(home / "storage" / "a"));

  auto broken = s::asset("broken", []() -> int { throw std::runtime_error("nope"); });
  auto failed = s::materialize({broken}, {.instance = instance});
  EXPECT_EQ(storage.get_run(failed.run_id())->status, s::RunStatus::kFailure);
  EXPECT_EQ(storage.runs({.status = s::RunStatus::kFailure}).size(), 1u);
}

// The run's last event and its final status are recorded together: whoever sees the event (the
// run's listener, a reader of the log such as the web UI's stream) finds the run finished. They were
// two transactions, so a reader could see RUN_CANCELED while the run was still CANCELING.
TEST_P(InstanceTest, WhoeverSeesTheRunsLastEventFindsTheRunFinished) {
  auto instance = s::Instance::open(home.path());
  auto reader = s::Instance::open(home.path());  // another connection, as a reader of the log has
  auto ok = s::asset("ok", [] { return 1; });
  auto broken = s::asset("broken", []() -> int { throw std::runtime_error("nope"); });
  for (const auto& [asset, last] : {std::pair{ok, s::EventType::kRunSuccess}, {broken, s::EventType::kRunFailure}}) {
    std::optional<s::RunStatus> seen;
    auto result = s::materialize({asset}, {.instance = instance, .on_event = [&](const s::Event& event) {
                                             if (event.type != last) return;
                                             seen = reader->storage().get_run(event.run_id)->status;
                                           }});
    ASSERT_TRUE(seen.has_value()) << "no " << s::event_type_name(last) << " event";
    EXPECT_EQ(*seen, result.success() ? s::RunStatus::kSuccess : s::RunStatus::kFailure);
    auto stored = instance->storage().events_for_run(result.run_id());
    ASSERT_FALSE(stored.empty());
    EXPECT_EQ(stored.back().event.type, last);
    EXPECT_EQ(instance->storage().get_run(result.run_id())->end_time_us, stored.back().event.timestamp_us);
  }
}

// A run whose asset key, log lines and metadata hold bytes that are not UTF-8 (and NUL) is recorded
// whole: the run ends SUCCESS, and its materialization is in the log and the catalog, sanitized.
TEST_P(InstanceTest, RunWithInvalidUtf8TextIsRecordedWhole) {
  auto instance = s::Instance::open(home.path());
  const std::string bad = std::string("caf\xC3|nul\0|\xFF", 11);
  // Asset keys name files and are refused at definition when not UTF-8; every other text is cleaned.
  auto raw = s::asset("raw", [bad](s::AssetContext& ctx) {
    ctx.log().info("read " + bad);
    ctx.add_output_metadata({{"note", bad}, {"preview", s::markdown("| " + bad + " |")}});
    return 1;
  });
  auto result = s::materialize({raw}, {.instance = instance});
  ASSERT_TRUE(result.success()) << result.failure_message();
  s::Storage& storage = instance->storage();
  EXPECT_EQ(storage.get_run(result.run_id())->status, s::RunStatus::kSuccess);
  auto stored = storage.events_for_run(result.run_id());
  ASSERT_EQ(stored.size(), result.events().size());
  auto latest = storage.latest_materialization(s::AssetKey{"raw"});
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->event.metadata.at("note").as_text(), "caf\uFFFD|nul\uFFFD|\uFFFD");
  bool logged = false;
  for (const auto& record : stored) logged = logged || record.event.message == "read caf\uFFFD|nul\uFFFD|\uFFFD";
  EXPECT_TRUE(logged);
}

TEST_P(InstanceTest, ConcurrentProcessesLoseAndDuplicateNoEvents) {
  constexpr int kProcesses = 4;
  constexpr int kRuns = 5;
  constexpr int kChain = 8;
  // One run in this process tells how many events a run of the pipeline writes.
  s::testing::CommandResult first =
      s::testing::run_command({kWorker, "run", home.path().string(), "1", std::to_string(kChain)});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  auto instance = s::Instance::open(home.path());
  int64_t per_run = instance->storage().count_events();
  ASSERT_GT(per_run, kChain * 4);

  std::vector<std::thread> workers;
  std::vector<s::testing::CommandResult> results(kProcesses);
  for (int p = 0; p < kProcesses; ++p) {
    workers.emplace_back([&, p] {
      results[static_cast<size_t>(p)] = s::testing::run_command(
          {kWorker, "run", home.path().string(), std::to_string(kRuns), std::to_string(kChain)});
    });
  }
  for (auto& worker : workers) worker.join();
  for (const auto& result : results) ASSERT_EQ(result.exit_code, 0) << result.output;

  s::Storage& storage = instance->storage();
  auto runs = storage.runs({.limit = 1000});
  ASSERT_EQ(runs.size(), static_cast<size_t>(1 + kProcesses * kRuns));
  for (const auto& run : runs) {
    EXPECT_EQ(run.status, s::RunStatus::kSuccess);
    auto events = storage.events_for_run(run.run_id);
    EXPECT_EQ(static_cast<int64_t>(events.size()), per_run) << run.run_id;
    int starts = 0;
    int successes = 0;
    for (const auto& e : events) {
      starts += e.event.type == s::EventType::kRunStart;
      successes += e.event.type == s::EventType::kRunSuccess;
    }
    EXPECT_EQ(starts, 1);
    EXPECT_EQ(successes, 1);
  }
  EXPECT_EQ(storage.count_events(), per_run * (1 + kProcesses * kRuns));
  EXPECT_EQ(storage.materialization_history(s::AssetKey{"n0"}, 1000).size(),
            static_cast<size_t>(1 + kProcesses * kRuns));
}

TEST_P(InstanceTest, RunOfAKilledProcessIsMarkedFailed) {
  s::testing::Child child({kWorker, "hang", home.path().string()});
  std::optional<std::string> line = child.read_line();
  ASSERT_TRUE(line.has_value());
  ASSERT_EQ(line->rfind("ready ", 0), 0u) << *line;
  std::string run_id = line->substr(6);
  EXPECT_EQ(child.kill_and_wait(SIGKILL), 128 + SIGKILL);

  auto instance = s::Instance::open(home.path());  // opening reaps dead owners
  auto run = instance->storage().get_run(run_id);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->status, s::RunStatus::kFailure);
  auto events = instance->storage().events_for_run(run_id);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().event.type, s::EventType::kRunFailure);
  EXPECT_NE(events.back().event.message.find("is gone"), std::string::npos);
  EXPECT_TRUE(instance->reap_dead_runs().empty());  // only once
  // The database is consistent and usable afterwards.
  if (GetParam() == "sqlite") {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((home / "history.db").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "ok");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }
  EXPECT_TRUE(s::materialize({counted("after")}, {.instance = instance}).success());
}

// Several processes find the same dead run at the same moment: exactly one of them fails it, with
// exactly one RUN_FAILURE event.
TEST_P(InstanceTest, ConcurrentReapersFailADeadRunExactlyOnce) {
  constexpr int kReapers = 6;
  auto instance = s::Instance::open(home.path());
  fs::path gate = home / "gate";
  ASSERT_EQ(::mkfifo(gate.c_str(), 0600), 0);
  std::vector<std::unique_ptr<s::testing::Child>> reapers;
  for (int i = 0; i < kReapers; ++i) {
    reapers.push_back(std::make_unique<s::testing::Child>(
        std::vector<std::string>{kWorker, "reap", home.path().string(), gate.string()}));
    ASSERT_EQ(reapers.back()->read_line(), "ready");  // opened (and found nothing to reap)
  }
  // A run owned by a process of this host that is gone: this pid, with another start time (reused).
  s::RunRecord dead{.run_id = "dead-run",
                    .job_name = "job",
                    .status = s::RunStatus::kStarted,
                    .owner_host = s::Instance::host_name(),
                    .owner_pid = ::getpid(),
                    .owner_start_ticks = s::Instance::process_start_ticks(::getpid()) + 1,
                    .create_time_us = s::now_unix_us()};
  instance->storage().add_run(dead);
  int gate_fd = ::open(gate.c_str(), O_WRONLY);  // releases every reaper at once
  ASSERT_GE(gate_fd, 0);
  int reaped = 0;
  for (auto& reaper : reapers) {
    std::optional<std::string> line = reaper->read_line();
    ASSERT_TRUE(line.has_value());
    ASSERT_EQ(line->rfind("reaped ", 0), 0u) << *line;
    reaped += std::stoi(line->substr(7));
    EXPECT_EQ(reaper->wait(), 0);
  }
  ::close(gate_fd);
  EXPECT_EQ(reaped, 1);
  EXPECT_EQ(instance->storage().get_run("dead-run")->status, s::RunStatus::kFailure);
  auto events = instance->storage().events_for_run("dead-run");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event.type, s::EventType::kRunFailure);
}

INSTANTIATE_TEST_SUITE_P(Backends, InstanceTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

// Regression: reading /proc/<pid>/stat of a process reaped between open and read fails with ESRCH,
// which the stream turned into an exception out of process_start_ticks (a dequeuer in CI died of
// "basic_filebuf::underflow error reading the file: No such process"). A process that ends while
// it is being read is simply gone: 0.
TEST(Instance, StartTicksOfAProcessReapedWhileBeingReadAreZero) {
  constexpr int kProcesses = 300;
  for (int i = 0; i < kProcesses; ++i) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) ::_exit(0);
    std::atomic<bool> reaped{false};
    std::thread reaper([&] {
      ::waitpid(child, nullptr, 0);
      reaped = true;
    });
    try {
      // Read until the process is reaped: many reads overlap the reaping.
      while (!reaped) s::Instance::process_start_ticks(child);
      EXPECT_EQ(s::Instance::process_start_ticks(child), 0);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "process_start_ticks threw: " << e.what();
    }
    reaper.join();
    if (HasFailure()) break;
  }
}

TEST(Instance, OpenCreatesHomeConfigAndDatabase) {
  TempDir dir;
  fs::path home = dir / "nested" / ".strata";
  auto instance = s::Instance::open(home);
  EXPECT_TRUE(fs::exists(home / "strata.yaml"));
  EXPECT_TRUE(fs::exists(home / "history.db"));
  EXPECT_EQ(instance->config().backend, s::InstanceConfig::Backend::kSqlite);
  EXPECT_EQ(instance->config().storage_base_dir, fs::absolute(home) / "storage");
  EXPECT_EQ(instance->storage().describe(), "sqlite:" + (fs::absolute(home) / "history.db").string());
}

TEST(Instance, ConfigErrorsNameFileAndField) {
  TempDir home;
  auto write = [&](const std::string& text) { std::ofstream(home / "strata.yaml") << text; };
  write("storage:\n  sqlite:\n    pth: x.db\n");
  EXPECT_NE(error_of([&] { s::Instance::open(home.path()); }).find("unknown field 'storage.sqlite.pth'"),
            std::string::npos);
  write("storage:\n  postgres:\n    port: abc\n");
  EXPECT_NE(error_of([&] { s::Instance::open(home.path()); }).find("'storage.postgres.port' must be a number"),
            std::string::npos);
  write("storage: [unclosed\n");
  std::string message = error_of([&] { s::Instance::open(home.path()); });
  EXPECT_NE(message.find("strata.yaml"), std::string::npos) << message;
  EXPECT_NE(message.find("line"), std::string::npos) << message;
  write("storage:\n  postgres:\n    password: {env: STRATA_TEST_UNSET_PASSWORD}\n");
  ::unsetenv("STRATA_TEST_UNSET_PASSWORD");
  EXPECT_NE(error_of([&] { s::Instance::open(home.path()); }).find("STRATA_TEST_UNSET_PASSWORD, which is not set"),
            std::string::npos);
  write("io_manager:\n  base_dir: elsewhere\n");
  EXPECT_EQ(s::Instance::open(home.path())->config().storage_base_dir, fs::absolute(home.path()) / "elsewhere");
}

TEST(Instance, HostileInstanceConfigIsRefusedLikeAnyConfig) {
  TempDir home;
  auto write = [&](const std::string& text) { std::ofstream(home / "strata.yaml") << text; };
  auto error = [&] { return error_of([&] { s::Instance::open(home.path()); }); };
  write("storage:\n  sqlite:\n    path: a.db\n  sqlite:\n    path: b.db\n");
  EXPECT_NE(error().find("duplicate key 'sqlite'"), std::string::npos) << error();
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char level = 'b'; level <= 'j'; ++level) {
    bomb += std::string(1, level) + ": &" + level + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + static_cast<char>(level - 1);
    bomb += "]\n";
  }
  write(bomb);  // 10^10 values once expanded
  EXPECT_NE(error().find("more than"), std::string::npos) << error();
  write("io_manager:\n  base_dir: \"\xff\"\n");
  EXPECT_NE(error().find("UTF-8"), std::string::npos) << error();
  fs::remove(home / "strata.yaml");
  fs::create_directory(home / "strata.yaml");
  EXPECT_NE(error().find("is a directory"), std::string::npos) << error();
}

TEST(Instance, CorruptSqliteFileIsNamedAndLeftUntouched) {
  TempDir home;
  std::string garbage(8192, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 7919) % 251);
  std::ofstream(home / "history.db", std::ios::binary) << garbage;
  std::string message = error_of([&] { s::Instance::open(home.path()); });
  EXPECT_NE(message.find((home / "history.db").string()), std::string::npos) << message;
  EXPECT_NE(message.find("not a usable SQLite database"), std::string::npos) << message;
  EXPECT_EQ(read_file(home / "history.db"), garbage);
}

// A history with one run that materialized "a"; returns the run id.
std::string record_history(const fs::path& home) {
  auto instance = s::Instance::open(home);
  auto a = s::asset("a", [] { return 1; });
  auto result = s::materialize({a}, {.instance = instance});
  EXPECT_TRUE(result.success()) << result.failure_message();
  return result.run_id();
}

// What `strata_instance_worker inspect` printed, checked: every read answered, and the write
// refused with `cause`, the file named, and the history said to be intact.
void expect_reads_work_and_write_names(const s::testing::CommandResult& inspected, const std::string& run_id,
                                       const fs::path& db, const std::string& cause) {
  const std::string& out = inspected.output;
  ASSERT_EQ(inspected.exit_code, 0) << out;
  EXPECT_NE(out.find("runs 1\nevents "), std::string::npos) << out;
  EXPECT_NE(out.find("assets a\nlatest " + run_id + "\n"), std::string::npos) << out;
  EXPECT_NE(out.find("write failed: "), std::string::npos) << out;
  EXPECT_NE(out.find(cause), std::string::npos) << out;
  EXPECT_NE(out.find("'" + db.string() + "'"), std::string::npos) << out;
  EXPECT_NE(out.find("the history is intact"), std::string::npos) << out;
  EXPECT_EQ(out.find("not a usable"), std::string::npos) << out;
  EXPECT_EQ(out.find("move it away"), std::string::npos) << out;
}

// No room to write under STRATA_HOME (here: a file size limit, which makes every write that would
// grow a file fail as a full disk does, with EFBIG instead of ENOSPC). With no other process using the
// database, opening it needs its -shm file grown: that fails, and the file is read without writing.
TEST(Instance, NoRoomToWriteKeepsReadsWorkingAndNamesTheCause) {
  TempDir home;
  std::string run_id = record_history(home.path());
  ASSERT_FALSE(fs::exists(home / "history.db-shm"));  // the last connection closed: a cold open follows
  auto inspected = s::testing::run_command({kWorker, "inspect", home.path().string(), "4096"});
  expect_reads_work_and_write_names(inspected, run_id, fs::absolute(home / "history.db"),
                                    "file size limit (ulimit -f) is reached");
  // The history is intact, and writable again with room.
  auto instance = s::Instance::open(home.path());
  EXPECT_EQ(instance->storage().runs({}).size(), 1u);
  EXPECT_TRUE(s::materialize({counted("after")}, {.instance = instance}).success());
}

// The same while another process keeps the database open (its -shm file exists): the open needs no
// write, and the write fails in SQLite's log.
TEST(Instance, NoRoomToWriteWhileAnotherProcessHasTheDatabaseOpen) {
  TempDir home;
  std::string run_id = record_history(home.path());
  auto holder = s::Instance::open(home.path());
  ASSERT_TRUE(fs::exists(home / "history.db-shm"));
  auto inspected = s::testing::run_command({kWorker, "inspect", home.path().string(), "4096"});
  expect_reads_work_and_write_names(inspected, run_id, fs::absolute(home / "history.db"),
                                    "file size limit (ulimit -f) is reached");
  EXPECT_EQ(holder->storage().runs({}).size(), 1u);
}

// A user who may read STRATA_HOME but not write it reads the history, and a write says why.
TEST(Instance, ReadOnlyAccessKeepsReadsWorkingAndSaysPermissionDenied) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the reader as another user";
  TempDir home;
  std::string run_id = record_history(home.path());
  fs::permissions(home.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
  auto inspected =
      s::testing::run_command({kWorker, "inspect", home.path().string()}, {.user = "nobody", .extra_env = {}});
  expect_reads_work_and_write_names(inspected, run_id, fs::absolute(home / "history.db"), "permission denied");
}

TEST(Instance, NewerSchemaIsRefusedAndLeftUntouched) {
  TempDir home;
  s::Instance::open(home.path());
  ASSERT_EQ(s::testing::run_sqlite_statement(home / "history.db", "UPDATE strata_schema SET version = 99"), "");
  std::string before = read_file(home / "history.db");
  std::string message = error_of([&] { s::Instance::open(home.path()); });
  EXPECT_NE(message.find("schema version 99, newer than this build"), std::string::npos) << message;
  EXPECT_NE(message.find((home / "history.db").string()), std::string::npos) << message;
  EXPECT_EQ(read_file(home / "history.db"), before);
}

TEST(Instance, NewerPostgresSchemaIsRefused) {
  if (s::testing::shared_postgres() == nullptr)
    STRATA_SERVICE_UNAVAILABLE("PostgreSQL server binaries are not installed");
  auto db = s::testing::new_postgres_database();
  { auto storage = s::open_postgres_storage(db); }
  std::string conninfo = "host=127.0.0.1 port=" + std::to_string(db.port) + " user=" + db.user +
                         " password=" + db.password + " dbname=" + db.dbname;
  ASSERT_EQ(s::testing::run_command({"psql", conninfo, "-c", "UPDATE strata_schema SET version = 99"}).exit_code, 0);
  std::string message = error_of([&] { s::open_postgres_storage(db); });
  EXPECT_NE(message.find("schema version 99, newer than this build"), std::string::npos) << message;
  EXPECT_NE(message.find(db.describe()), std::string::npos) << message;
}

TEST(Instance, WrongPostgresPasswordNamesServerNotPassword) {
  if (s::testing::shared_postgres() == nullptr)
    STRATA_SERVICE_UNAVAILABLE("PostgreSQL server binaries are not installed");
  TempDir home;
  int port = s::testing::shared_postgres()->port();
  std::ofstream(home / "strata.yaml")
      << "storage:\n  postgres:\n    port: " << port
      << "\n    user: strata\n    password: not-the-password-4711\n    dbname: postgres\n";
  std::string message = error_of([&] { s::Instance::open(home.path()); });
  EXPECT_NE(message.find("postgres://strata@127.0.0.1:" + std::to_string(port) + "/postgres"), std::string::npos)
      << message;
  EXPECT_NE(message.find("password authentication failed"), std::string::npos) << message;
  EXPECT_EQ(message.find("not-the-password-4711"), std::string::npos) << message;
}

TEST(Instance, UnreachablePostgresIsOneLineNamingTheServer) {
  TempDir home;
  int port = s::testing::free_loopback_port();  // nothing listens there
  std::ofstream(home / "strata.yaml") << "storage:\n  postgres:\n    host: 127.0.0.1\n    port: " << port
                                      << "\n    user: strata\n    dbname: postgres\n";
  std::string message = error_of([&] { s::Instance::open(home.path()); });
  EXPECT_NE(message.find("cannot connect to PostgreSQL postgres://strata@127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find_first_of("\n\t"), std::string::npos) << message;  // libpq says it on several lines
}

}  // namespace
