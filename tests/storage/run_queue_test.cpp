// The run queue and the concurrency pools, on SQLite and on a real PostgreSQL: submission order,
// limits that hold with runs submitted and dequeued by several processes at once (checked by a
// counter the runs themselves keep in a shared file under flock), a run claimed once, queue state
// that survives reopening the instance, and pool slots across processes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <set>
#include <strata/strata.hpp>
#include <thread>

#include "backend_fixture.hpp"
#include "expect_error.hpp"
#include "forked_child.hpp"
#include "instance_backend_test.hpp"

namespace s = strata;
namespace fs = std::filesystem;
using strata::testing::TempDir;

namespace {

// Counters in a file shared by processes, each change under flock: how many runs (or steps) of
// each kind are inside now, and the most there ever were. A run that breaks a limit shows here.
class SharedCounters {
 public:
  explicit SharedCounters(fs::path path) : path_(std::move(path)) {}

  void enter(const std::vector<std::string>& kinds) { change(kinds, +1); }
  void leave(const std::vector<std::string>& kinds) { change(kinds, -1); }
  // The most runs of `kind` ever inside at once.
  int64_t peak(const std::string& kind) const { return read().value("peak:" + kind, 0); }

 private:
  nlohmann::json read() const {
    std::ifstream in(path_);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    return text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text);
  }

  void change(const std::vector<std::string>& kinds, int delta) {
    int fd = ::open((path_.string() + ".lock").c_str(), O_CREAT | O_RDWR, 0644);
    ::flock(fd, LOCK_EX);
    nlohmann::json counters = read();
    for (const auto& kind : kinds) {
      int64_t now = counters.value("now:" + kind, 0) + delta;
      counters["now:" + kind] = now;
      counters["peak:" + kind] = std::max<int64_t>(counters.value("peak:" + kind, 0), now);
    }
    std::ofstream(path_) << counters.dump();
    ::flock(fd, LOCK_UN);
    ::close(fd);
  }

  fs::path path_;
};

// Forked children that start together: each waits on a pipe until release() closes it.
class ForkedGroup {
 public:
  ForkedGroup() {
    if (::pipe(gate_) != 0) throw std::runtime_error("pipe failed");
  }
  ~ForkedGroup() {
    release();
    wait();
  }

  template <class F>
  void spawn(F&& body) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(gate_[1]);
      char byte;
      while (::read(gate_[0], &byte, 1) > 0) {
      }
      int code = 0;
      try {
        code = body();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child %d: %s\n", ::getpid(), e.what());
        code = 99;
      }
      ::_exit(code);
    }
    pids_.push_back(pid);
  }

  void release() {
    if (gate_[1] >= 0) ::close(gate_[1]);
    gate_[1] = -1;
  }

  // Exit codes (signal numbers + 128 for killed children).
  std::vector<int> wait() {
    release();
    std::vector<int> codes;
    for (pid_t pid : pids_) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      codes.push_back(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
    }
    pids_.clear();
    return codes;
  }

 private:
  int gate_[2] = {-1, -1};
  std::vector<pid_t> pids_;
};

class RunQueueTest : public s::testing::InstanceBackendTest {
 protected:
  // Adds `yaml` (run_queue:/concurrency: sections) to the instance's strata.yaml.
  void configure(const std::string& yaml) {
    fs::create_directories(home.path());
    std::ofstream(home / "strata.yaml", std::ios::app) << yaml;
  }

  // Dequeues with `launch` until the queue is empty, polling with a growing delay while every
  // queued run must wait for runs of other processes. Exit code 0, or 3 after 120 s.
  int dequeue_until_empty(const s::RunLauncher& launch) {
    auto instance = s::Instance::open(home.path());
    s::RunQueueCoordinator coordinator(instance, launch);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    auto delay = std::chrono::milliseconds(1);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!coordinator.dequeue().empty()) {
        delay = std::chrono::milliseconds(1);
        continue;
      }
      if (instance->storage().queued_runs().empty()) return 0;
      std::this_thread::sleep_for(delay);
      delay = std::min(delay * 2, std::chrono::milliseconds(50));
    }
    return 3;
  }

  TempDir scratch{"strata-queue-scratch"};
};

// The instance of this (forked) process, for steps that read their run's tags.
std::shared_ptr<s::Instance> g_instance;

s::QueuedRun queued(const std::string& id, std::map<std::string, std::string> tags) {
  s::QueuedRun run;
  run.run.run_id = id;
  run.run.tags = std::move(tags);
  return run;
}

// A run record whose owner is a process on this host that has exited.
s::RunRecord owned_by_a_gone_process(const std::string& id, s::RunStatus status) {
  s::RunRecord run;
  run.run_id = id;
  run.job_name = "__ASSET_JOB";
  run.status = status;
  run.owner_host = s::Instance::host_name();
  run.owner_pid = s::testing::finished_process_pid();
  run.owner_start_ticks = 1;
  run.create_time_us = s::now_unix_us();
  return run;
}

s::RunRecord in_progress(std::map<std::string, std::string> tags) {
  s::RunRecord run;
  run.status = s::RunStatus::kStarted;
  run.tags = std::move(tags);
  return run;
}

}  // namespace

// The rule alone: submission order, a tag limit with a value, a limit on a tag key whatever its
// value, runs in progress counted, a blocked run not holding back later ones, max_concurrent_runs.
TEST(RunQueueRule, ChoosesInOrderWithinLimits) {
  s::RunQueueConfig config;
  config.max_concurrent_runs = 4;
  config.tag_concurrency_limits = {{"database", "duckdb", 1}, {"team", std::nullopt, 2}};
  std::vector<s::QueuedRun> queue = {queued("a", {{"database", "duckdb"}}),
                                     queued("b", {{"database", "duckdb"}}),
                                     queued("c", {{"team", "x"}}),
                                     queued("d", {{"team", "y"}}),
                                     queued("e", {}),
                                     queued("f", {})};
  // One team run is in progress: one more may start; b waits for a; e fits, f exceeds 4.
  std::vector<size_t> chosen = s::runs_that_may_start(config, queue, {in_progress({{"team", "z"}})});
  EXPECT_EQ(chosen, (std::vector<size_t>{0, 2, 4}));
  EXPECT_EQ(s::why_run_waits(config, queue[1].run, {in_progress({{"database", "duckdb"}})}),
            "tag limit database=duckdb (1) is reached");
  EXPECT_EQ(s::why_run_waits(config, queue[4].run, std::vector<s::RunRecord>(4, in_progress({}))),
            "max_concurrent_runs (4) runs are in progress");
  config.max_concurrent_runs = 0;
  EXPECT_TRUE(s::runs_that_may_start(config, queue, {}).empty());
  EXPECT_EQ(s::runs_that_may_start({}, queue, {}).size(), queue.size());  // no limits: every run
}

// A queued run has no process until it is started: its submitter exiting leaves it QUEUED. (The
// reaper used to fail QUEUED runs whose recorded owner was gone.)
TEST_P(RunQueueTest, QueuedRunOfAGoneProcessIsNotReaped) {
  auto instance = s::Instance::open(home.path());
  s::RunRecord run = owned_by_a_gone_process("queued-by-a-gone-process", s::RunStatus::kQueued);
  instance->storage().add_run(run);
  EXPECT_TRUE(instance->reap_dead_runs().empty());
  EXPECT_EQ(instance->storage().get_run(run.run_id)->status, s::RunStatus::kQueued);
}

// Submitted runs are QUEUED with a RUN_ENQUEUED event and wait, in order, across reopening the
// instance; dequeued, each runs as submitted (its partition, run config and tags).
TEST_P(RunQueueTest, QueueSurvivesReopeningAndStartsRunsAsSubmitted) {
  auto regions = s::asset("regions", {.partitions = s::static_partitions({"eu", "us"})},
                          [](s::AssetContext& ctx) { return ctx.partition_key(); });
  auto words = s::asset("words", [] { return std::string("hello"); });
  s::Definitions defs({.assets = {regions, words},
                       .jobs = {s::define_asset_job("words_job", s::AssetSelection::keys({s::AssetKey{"words"}}))}});
  std::vector<std::string> ids;
  {
    auto instance = s::Instance::open(home.path());
    ids.push_back(
        s::submit_run(defs, *instance, {.selection = "regions", .partition_keys = {"us"}, .tags = {{"k", "v"}}}));
    ids.push_back(s::submit_run(defs, *instance, {.job_name = "words_job", .max_concurrency = 2}));
    ids.push_back(s::submit_run(
        defs, *instance,
        {.selection = "words", .run_config = s::RunConfig::from_yaml("resources: {}\n"), .tags = {{"team", "data"}}}));
    auto events = instance->storage().events_for_run(ids[0]);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].event.type, s::EventType::kRunEnqueued);
  }
  auto instance = s::Instance::open(home.path());  // reaps nothing queued
  std::vector<s::QueuedRun> queue = instance->storage().queued_runs();
  ASSERT_EQ(queue.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(queue[i].run.run_id, ids[i]);
    EXPECT_EQ(queue[i].run.status, s::RunStatus::kQueued);
  }
  EXPECT_EQ(queue[0].run.tags.at("strata/partition"), "us");
  s::RunRequest job_request = s::queued_run_request(queue[1]);
  EXPECT_EQ(job_request.job_name, "words_job");
  EXPECT_EQ(job_request.max_concurrency, 2);
  EXPECT_EQ(s::queued_run_request(queue[0]).partition_keys, std::vector<std::string>{"us"});
  EXPECT_EQ(s::queued_run_request(queue[2]).tags.at("team"), "data");
  EXPECT_EQ(instance->storage().runs({.status = s::RunStatus::kQueued}).size(), 3u);

  s::RunQueueCoordinator coordinator(instance, s::in_process_launcher(defs, instance));
  EXPECT_EQ(coordinator.runs_that_may_start().size(), 3u);
  std::vector<s::QueuedRun> started = coordinator.dequeue();
  ASSERT_EQ(started.size(), 3u);
  for (const auto& id : ids) {
    auto run = instance->storage().get_run(id);
    EXPECT_EQ(run->status, s::RunStatus::kSuccess) << id;
    auto events = instance->storage().events_for_run(id);
    ASSERT_GE(events.size(), 3u);
    EXPECT_EQ(events[0].event.type, s::EventType::kRunEnqueued);
    EXPECT_EQ(events[1].event.type, s::EventType::kRunDequeued);
    EXPECT_EQ(events[2].event.type, s::EventType::kRunStart);
  }
  auto latest = instance->storage().latest_materialization(s::AssetKey{"regions"}, std::string("us"));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->event.run_id, ids[0]);
  EXPECT_TRUE(instance->storage().queued_runs().empty());
  EXPECT_TRUE(coordinator.dequeue().empty());
}

// Bad requests are refused before anything is recorded: an unknown job, a selection matching
// nothing, a literal secret in the run config (a queued run keeps its config masked).
TEST_P(RunQueueTest, BadSubmissionsRecordNothing) {
  auto words = s::asset("words", [] { return std::string("hello"); });
  s::Definitions defs({.assets = {words}});
  auto instance = s::Instance::open(home.path());
  EXPECT_THROW(s::submit_run(defs, *instance, {.job_name = "nope"}), s::DefinitionError);
  EXPECT_THROW(s::submit_run(defs, *instance, {.selection = "group:none"}), s::DefinitionError);
  std::string error = s::testing::error_of([&] {
    s::submit_run(defs, *instance,
                  {.selection = "words",
                   .run_config = s::RunConfig::from_yaml("resources: {db: {config: {password: "
                                                         "hunter2}}}\n")});
  });
  EXPECT_NE(error.find("{env: NAME}"), std::string::npos) << error;
  EXPECT_TRUE(instance->storage().runs({}).empty());
}

// With max_concurrent_runs 1, runs start one at a time in submission order.
TEST_P(RunQueueTest, RunsStartInSubmissionOrder) {
  configure("run_queue:\n  max_concurrent_runs: 1\n");
  auto words = s::asset("words", [] { return std::string("hello"); });
  s::Definitions defs({.assets = {words}});
  auto instance = s::Instance::open(home.path());
  std::vector<std::string> submitted;
  for (int i = 0; i < 6; ++i) {
    submitted.push_back(s::submit_run(defs, *instance, {.selection = "words", .tags = {{"n", std::to_string(i)}}}));
  }
  std::vector<std::string> started;
  auto run_it = s::in_process_launcher(defs, instance);
  s::RunQueueCoordinator coordinator(instance, [&](const s::QueuedRun& run) {
    started.push_back(run.run.run_id);
    run_it(run);
  });
  while (true) {
    std::vector<s::QueuedRun> claimed = coordinator.dequeue();
    if (claimed.empty()) break;
    EXPECT_EQ(claimed.size(), 1u);
  }
  EXPECT_EQ(started, submitted);
}

// 20 runs submitted at once by 4 processes, dequeued by 4 processes at once: every run runs once,
// and the runs themselves never see more than max_concurrent_runs, 1 duckdb run, 1 run with a
// `team` tag at once.
TEST_P(RunQueueTest, LimitsHoldWithRunsSubmittedAndDequeuedByManyProcesses) {
  configure(
      "run_queue:\n  max_concurrent_runs: 3\n  tag_concurrency_limits:\n    - {key: database, value: duckdb, limit: "
      "1}\n    - {key: team, limit: 1}\n");
  SharedCounters counters(scratch / "counters.json");
  auto work = s::asset("work", [&counters](s::AssetContext& ctx) {
    std::vector<std::string> kinds = {"all"};
    auto tags = g_instance->storage().get_run(ctx.run_id())->tags;
    for (const char* tag : {"database", "team"}) {
      if (tags.count(tag)) kinds.push_back(tag);
    }
    counters.enter(kinds);
    // Inside for a while, so that runs that should not overlap would (not a synchronisation).
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
    counters.leave(kinds);
    return 1;
  });
  s::Definitions defs({.assets = {work}});
  s::Instance::open(home.path());  // creates the schema before the processes race
  {
    ForkedGroup submitters;
    for (int p = 0; p < 4; ++p) {
      submitters.spawn([&, p] {
        auto instance = s::Instance::open(home.path());
        for (int i = 0; i < 5; ++i) {
          int n = p * 5 + i;
          std::map<std::string, std::string> tags;
          if (n % 2 == 0) tags["database"] = "duckdb";
          if (n % 3 == 0) tags["team"] = "t" + std::to_string(n);
          s::submit_run(defs, *instance, {.selection = "work", .tags = tags});
        }
        return 0;
      });
    }
    EXPECT_EQ(submitters.wait(), std::vector<int>(4, 0));
  }
  auto instance = s::Instance::open(home.path());
  ASSERT_EQ(instance->storage().queued_runs().size(), 20u);
  {
    ForkedGroup dequeuers;
    for (int p = 0; p < 4; ++p) {
      dequeuers.spawn([&] {
        g_instance = s::Instance::open(home.path());
        return dequeue_until_empty(s::in_process_launcher(defs, g_instance));
      });
    }
    EXPECT_EQ(dequeuers.wait(), std::vector<int>(4, 0));
  }
  std::vector<s::RunRecord> runs = instance->storage().runs({});
  ASSERT_EQ(runs.size(), 20u);
  for (const auto& run : runs) {
    EXPECT_EQ(run.status, s::RunStatus::kSuccess) << run.run_id;
    int dequeued = 0, started = 0;
    for (const auto& record : instance->storage().events_for_run(run.run_id)) {
      dequeued += record.event.type == s::EventType::kRunDequeued;
      started += record.event.type == s::EventType::kRunStart;
    }
    EXPECT_EQ(dequeued, 1) << run.run_id;
    EXPECT_EQ(started, 1) << run.run_id;
  }
  EXPECT_LE(counters.peak("all"), 3);
  EXPECT_EQ(counters.peak("database"), 1);
  EXPECT_EQ(counters.peak("team"), 1);
}

// Dequeuers racing on one queue without limits: each run is claimed by exactly one of them.
TEST_P(RunQueueTest, ConcurrentDequeuersClaimEachRunOnce) {
  auto words = s::asset("words", [] { return std::string("hello"); });
  s::Definitions defs({.assets = {words}});
  auto instance = s::Instance::open(home.path());
  std::set<std::string> submitted;
  for (int i = 0; i < 30; ++i) submitted.insert(s::submit_run(defs, *instance, {.selection = "words"}));
  fs::path claims = scratch / "claims";
  {
    ForkedGroup dequeuers;
    for (int p = 0; p < 4; ++p) {
      dequeuers.spawn([&] {
        auto own = s::Instance::open(home.path());
        s::RunQueueCoordinator coordinator(own, [&](const s::QueuedRun& run) {
          std::ofstream(claims, std::ios::app) << run.run.run_id + "\n";  // one short O_APPEND write
        });
        coordinator.dequeue();
        return 0;
      });
    }
    EXPECT_EQ(dequeuers.wait(), std::vector<int>(4, 0));
  }
  std::ifstream in(claims);
  std::multiset<std::string> claimed;
  for (std::string line; std::getline(in, line);) claimed.insert(line);
  EXPECT_EQ(claimed.size(), submitted.size());
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()), submitted);
}

// Pool `warehouse` with limit 1: two processes each running four independent steps of the pool
// never have two of them inside at once; the slots are free afterwards, also after a step threw.
TEST_P(RunQueueTest, PoolLimitHoldsAcrossProcesses) {
  configure("concurrency:\n  pools:\n    warehouse: 1\n");
  SharedCounters counters(scratch / "pool.json");
  std::vector<s::AssetsDefinition> assets;
  for (int i = 0; i < 4; ++i) {
    assets.push_back(s::asset("load_" + std::to_string(i), {.pool = "warehouse"}, [&counters, i] {
      counters.enter({"warehouse"});
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // inside for a while (not a synchronisation)
      counters.leave({"warehouse"});
      if (i == 3) throw std::runtime_error("the last load fails");
      return i;
    }));
  }
  assets.push_back(s::asset("free", [] { return 0; }));  // no pool: not limited
  s::Definitions defs({.assets = assets});
  s::Instance::open(home.path());
  {
    ForkedGroup runners;
    for (int p = 0; p < 2; ++p) {
      runners.spawn([&] {
        auto own = s::Instance::open(home.path());
        auto result = s::materialize(defs, s::AssetSelection::all(), {.instance = own, .max_concurrency = 4});
        return result.steps().size() == 5 ? 0 : 4;
      });
    }
    EXPECT_EQ(runners.wait(), std::vector<int>(2, 0));
  }
  EXPECT_EQ(counters.peak("warehouse"), 1);
  auto instance = s::Instance::open(home.path());
  EXPECT_TRUE(instance->storage().pool_slots("warehouse").empty());
  for (const auto& run : instance->storage().runs({})) EXPECT_EQ(run.status, s::RunStatus::kFailure);
}

// Ops name pools too: three independent ops of pool `api` (limit 1) in one run take turns.
TEST_P(RunQueueTest, OpsOfAPoolInOneRunTakeTurns) {
  configure("concurrency:\n  pools: {api: 1}\n");
  SharedCounters counters(scratch / "ops.json");
  auto call = [&counters] {
    counters.enter({"api"});
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // inside for a while (not a synchronisation)
    counters.leave({"api"});
    return 1;
  };
  auto a = s::op("call_a", {.pool = "api"}, call);
  auto b = s::op("call_b", {.pool = "api"}, call);
  auto c = s::op("call_c", {.pool = "api"}, call);
  auto job = s::job("calls", [&] {
    a();
    b();
    c();
  });
  auto instance = s::Instance::open(home.path());
  auto result = s::execute_in_process(job, {.instance = instance, .max_concurrency = 3});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(counters.peak("api"), 1);
  EXPECT_TRUE(instance->storage().pool_slots("api").empty());
}

// A run that died holding a pool slot: the reaper fails the run and frees the slot.
TEST_P(RunQueueTest, ReaperFreesSlotsOfDeadRuns) {
  configure("concurrency:\n  default_pool_limit: 1\n");
  auto instance = s::Instance::open(home.path());
  s::RunRecord run = owned_by_a_gone_process("died-in-pool", s::RunStatus::kStarted);
  instance->storage().add_run(run);
  ASSERT_TRUE(instance->storage().claim_pool_slot({"any", run.run_id, "step"}, 1));
  EXPECT_FALSE(instance->storage().claim_pool_slot({"any", "other", "step"}, 1));
  EXPECT_EQ(instance->reap_dead_runs(), std::vector<std::string>{run.run_id});
  EXPECT_TRUE(instance->storage().pool_slots("any").empty());
  EXPECT_TRUE(instance->storage().claim_pool_slot({"any", "other", "step"}, 1));
}

INSTANTIATE_TEST_SUITE_P(Backends, RunQueueTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });
