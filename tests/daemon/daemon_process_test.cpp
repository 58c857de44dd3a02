// The run-queue and backfill loops as a real process (the pipeline binary's hidden __daemon-loops
// command, what `daemon` runs): queued runs start as processes of their own, and a backfill
// resumes after the daemon is killed with SIGKILL, or stops when canceled from the command line.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <thread>

#include "daemon_fixture.hpp"
#include "strata/daemon/daemon_backfill.hpp"
#include "strata/execution/run_queue_coordinator.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace s = strata;

namespace {

class DaemonProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(home());
    std::ofstream(home() / "strata.yaml") << "run_queue:\n  max_concurrent_runs: 2\n";
    instance = s::Instance::open(home());
  }

  std::filesystem::path home() const { return dir / "home"; }
  std::vector<std::string> command(std::vector<std::string> args) const {
    std::vector<std::string> argv{STRATA_DAEMON_TEST_PROGRAM, (dir / "data").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--home");
    argv.push_back(home().string());
    return argv;
  }
  std::unique_ptr<s::testing::Child> start_daemon() {
    s::testing::CommandOptions options;
    options.extra_env = {"STRATA_TEST_GATE=" + gate.string()};
    auto daemon = std::make_unique<s::testing::Child>(command({"__daemon-loops", "--interval-ms", "20"}), options);
    auto first = daemon->read_line();
    EXPECT_TRUE(first && first->find("Daemon loops running") != std::string::npos) << first.value_or("(no output)");
    daemon->discard_output();
    return daemon;
  }
  // Polls the instance until `done` holds (bounded: fails the test after 120 s).
  void wait_until(const std::string& what, const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!done()) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "timed out waiting until " << what;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polls a condition, bounded
    }
  }
  std::vector<s::RunRecord> runs_of(const std::string& backfill_id) {
    std::vector<s::RunRecord> out;
    for (auto& run : instance->storage().runs({.limit = 100'000})) {
      auto tag = run.tags.find(s::kBackfillIdTag);
      if (tag != run.tags.end() && tag->second == backfill_id) out.push_back(run);
    }
    return out;
  }
  size_t count_status(const std::vector<s::RunRecord>& runs, s::RunStatus status) {
    return static_cast<size_t>(
        std::count_if(runs.begin(), runs.end(), [&](const s::RunRecord& r) { return r.status == status; }));
  }
  std::string submit_days(const std::string& first, const std::string& last) {
    auto plan = s::plan_backfill_range(defs, s::AssetSelection::parse("days"), first, last, &instance->storage());
    return s::submit_backfill(defs, *instance, plan);
  }

  s::testing::TempDir dir{"strata-daemon-process"};
  std::filesystem::path gate = dir / "gate";
  s::Definitions defs = s::testing::daemon_test_definitions(dir / "data");
  std::shared_ptr<s::Instance> instance;
};

TEST_F(DaemonProcessTest, QueuedRunsStartAsProcessesOfTheirOwnUnderTheLimits) {
  std::ofstream(gate) << "open";
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(s::submit_run(defs, *instance, {.selection = "plain"}));
  auto daemon = start_daemon();
  wait_until("the queued runs succeeded", [&] {
    for (const auto& id : ids) {
      if (instance->storage().get_run(id)->status != s::RunStatus::kSuccess) return false;
    }
    return true;
  });
  for (const auto& id : ids) {
    auto run = *instance->storage().get_run(id);
    EXPECT_NE(run.owner_pid, daemon->pid()) << "the run's own process owns it";
    EXPECT_NE(run.owner_pid, ::getpid());
    bool started = false;
    for (const auto& record : instance->storage().events_for_run(id)) {
      started |= record.event.type == s::EventType::kRunStart;
    }
    EXPECT_TRUE(started) << id;
    EXPECT_TRUE(std::filesystem::exists(home() / "logs" / (id + ".log")));
  }
  daemon->kill_and_wait(SIGTERM);
}

// The children of process `pid` (from /proc), each with its command line.
std::vector<std::pair<int, std::string>> children_of(int pid) {
  std::vector<std::pair<int, std::string>> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream list(task.path() / "children");
    for (int child; list >> child;) {
      // Word by word: istream functions turn the read error of a child that ended meanwhile (ESRCH)
      // into a failed stream, where a streambuf iterator would throw it.
      std::ifstream cmdline("/proc/" + std::to_string(child) + "/cmdline");
      std::string text;
      for (std::string word; std::getline(cmdline, word, '\0');) text += (text.empty() ? "" : " ") + word;
      out.emplace_back(child, text);
    }
  }
  return out;
}

int launch_server_of(int daemon_pid) {
  for (const auto& [pid, cmdline] : children_of(daemon_pid)) {
    if (cmdline.find("__launch-server") != std::string::npos) return pid;
  }
  return 0;
}

// Runs are forked from the daemon's launch server; when the server dies, the next run starts by exec
// and a new server serves the one after.
TEST_F(DaemonProcessTest, RunsStartFromTheLaunchServerAndWithoutIt) {
  std::ofstream(gate) << "open";
  auto daemon = start_daemon();
  auto run_one = [&] {
    std::string id = s::submit_run(defs, *instance, {.selection = "plain"});
    wait_until("run " + id + " succeeded",
               [&] { return instance->storage().get_run(id)->status == s::RunStatus::kSuccess; });
    return id;
  };
  run_one();
  int server = launch_server_of(daemon->pid());
  ASSERT_GT(server, 0) << "the first launch started the launch server";
  ASSERT_EQ(::kill(server, SIGKILL), 0);
  run_one();  // the dead server is noticed: this run starts by exec
  run_one();  // and this one from a new server
  int again = launch_server_of(daemon->pid());
  EXPECT_GT(again, 0);
  EXPECT_NE(again, server);
  daemon->kill_and_wait(SIGTERM);
}

TEST_F(DaemonProcessTest, BackfillResumesAfterTheDaemonIsKilled) {
  std::string id = submit_days("2024-01-01", "2024-01-06");
  auto daemon = start_daemon();
  // Two runs at once (max_concurrent_runs), held at the gate, and two more waiting in the queue.
  wait_until("two runs started and two queued", [&] {
    auto runs = runs_of(id);
    return count_status(runs, s::RunStatus::kStarted) == 2 && count_status(runs, s::RunStatus::kQueued) == 2;
  });
  EXPECT_EQ(daemon->kill_and_wait(SIGKILL), 128 + SIGKILL);
  std::map<int64_t, std::string> before;
  for (const auto& entry : instance->storage().backfill_runs(id)) before[entry.chunk] = entry.run_id;
  ASSERT_EQ(before.size(), 4u);
  std::ofstream(gate) << "open";  // the runs (processes of their own) go on without the daemon
  daemon = start_daemon();
  wait_until("the backfill completed", [&] { return instance->storage().get_backfill(id)->status == "COMPLETED"; });
  daemon->kill_and_wait(SIGTERM);
  auto entries = instance->storage().backfill_runs(id);
  ASSERT_EQ(entries.size(), 6u);
  for (const auto& entry : entries) {
    if (before.count(entry.chunk)) {
      EXPECT_EQ(entry.run_id, before[entry.chunk]) << "chunk " << entry.chunk;
    }
  }
  auto runs = runs_of(id);
  EXPECT_EQ(runs.size(), 6u) << "one run per partition, none twice";
  EXPECT_EQ(count_status(runs, s::RunStatus::kSuccess), 6u);
  EXPECT_EQ(instance->storage().get_backfill(id)->runs_succeeded, 6);
}

TEST_F(DaemonProcessTest, CancelFromTheCommandLineStopsRunningAndQueuedRuns) {
  std::string id = submit_days("2024-01-01", "2024-01-05");
  auto daemon = start_daemon();
  wait_until("two runs started", [&] { return count_status(runs_of(id), s::RunStatus::kStarted) == 2; });
  auto canceled = s::testing::run_command(command({"backfill", "cancel", id}));
  ASSERT_EQ(canceled.exit_code, 0) << canceled.output;
  EXPECT_NE(canceled.output.find("CANCELING"), std::string::npos) << canceled.output;
  wait_until("the backfill is canceled", [&] { return instance->storage().get_backfill(id)->status == "CANCELED"; });
  daemon->kill_and_wait(SIGTERM);
  auto runs = runs_of(id);
  EXPECT_EQ(count_status(runs, s::RunStatus::kCanceled), runs.size()) << "every run it created stopped";
  EXPECT_LT(runs.size(), 5u) << "no run for the remaining partitions";
  auto listed = s::testing::run_command(command({"backfill", "list"}));
  EXPECT_NE(listed.output.find("CANCELED"), std::string::npos) << listed.output;
}

}  // namespace
