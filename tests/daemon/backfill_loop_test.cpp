// The daemon's backfill loop, driven pass by pass with a ManualClock on a real instance (SQLite and
// PostgreSQL):
// chunked run creation, progress, resume after the driving process is killed (fork + SIGKILL at
// the worst moment), cancel, partitions that no longer exist, and the command line around it.
#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <set>

#include "cli_fixture.hpp"
#include "daemon_fixture.hpp"
#include "forked_child.hpp"
#include "instance_backend_test.hpp"
#include "strata/daemon/backfill_daemon_loop.hpp"
#include "strata/daemon/daemon_backfill.hpp"
#include "strata/execution/run_queue_coordinator.hpp"
#include "temp_dir.hpp"

namespace s = strata;

namespace {

// On each backend: SQLite, and PostgreSQL (a new database on the shared test server).
class BackfillLoopTest : public s::testing::InstanceBackendTest {
 protected:
  void SetUp() override {
    InstanceBackendTest::SetUp();
    if (!IsSkipped() && !HasFatalFailure()) instance = s::Instance::open(home.path());
  }

  std::string submit(const std::string& first, const std::string& last, const std::string& asset = "days") {
    auto plan = s::plan_backfill_range(defs, s::AssetSelection::parse(asset), first, last, &instance->storage());
    return s::submit_backfill(defs, *instance, plan);
  }
  s::BackfillDaemonLoop loop(int max_queued_runs, s::BackfillLoopOptions options = {}) {
    options.max_queued_runs = max_queued_runs;
    return s::BackfillDaemonLoop(defs, instance, options);
  }
  // Runs every queued run in this process (what the run-queue loop does with processes).
  size_t run_queued() {
    s::RunQueueCoordinator coordinator(instance, s::in_process_launcher(defs, instance));
    return coordinator.dequeue().size();
  }
  s::BackfillRecord backfill(const std::string& id) { return *instance->storage().get_backfill(id); }
  std::vector<s::BackfillRunRecord> entries(const std::string& id) { return instance->storage().backfill_runs(id); }
  size_t runs_of(const std::string& id) {
    size_t count = 0;
    for (const auto& run : instance->storage().runs({.limit = 100'000}))
      count += run.tags.count(s::kBackfillIdTag) && run.tags.at(s::kBackfillIdTag) == id;
    return count;
  }

  s::testing::TempDir dir{"strata-backfill-loop"};
  s::Definitions defs = s::testing::daemon_test_definitions(dir / "data");
  std::shared_ptr<s::Instance> instance;
  s::ManualClock clock{std::chrono::system_clock::time_point(std::chrono::hours(24 * 20000))};
};

TEST_P(BackfillLoopTest, CreatesRunsInChunksAsTheQueueDrainsAndCompletes) {
  std::string id = submit("2024-01-01", "2024-01-05");
  EXPECT_EQ(backfill(id).status, "REQUESTED");
  EXPECT_EQ(backfill(id).num_runs, 5);
  EXPECT_TRUE(entries(id).empty()) << "submission creates no run";
  auto backfills = loop(2);
  backfills.run_once(clock.now());
  EXPECT_EQ(entries(id).size(), 2u);
  EXPECT_EQ(instance->storage().queued_runs().size(), 2u);
  EXPECT_EQ(backfill(id).status, "RUNNING");
  backfills.run_once(clock.now());
  EXPECT_EQ(entries(id).size(), 2u) << "no more than 2 of its runs wait in the queue";
  std::set<std::string> seen;
  for (int pass = 0; pass < 10 && backfill(id).status == "RUNNING"; ++pass) {
    run_queued();
    clock.advance(std::chrono::seconds(1));
    backfills.run_once(clock.now());
  }
  s::BackfillRecord done = backfill(id);
  EXPECT_EQ(done.status, "COMPLETED");
  EXPECT_EQ(done.runs_succeeded, 5);
  EXPECT_EQ(done.runs_failed, 0);
  EXPECT_EQ(done.end_time_us,
            std::chrono::duration_cast<std::chrono::microseconds>(clock.now().time_since_epoch()).count());
  EXPECT_EQ(runs_of(id), 5u);
  for (const auto& entry : entries(id)) {
    auto run = instance->storage().get_run(entry.run_id);
    ASSERT_TRUE(run.has_value());
    EXPECT_EQ(run->status, s::RunStatus::kSuccess);
    EXPECT_EQ(run->tags.at("strata/partition"), "2024-01-0" + std::to_string(entry.chunk + 1));
  }
  EXPECT_TRUE(instance->storage().latest_materialization(s::AssetKey{"days"}, "2024-01-05").has_value());
}

TEST_P(BackfillLoopTest, FailedRunsEndTheBackfillFailed) {
  ::setenv("STRATA_TEST_FAIL", "2024-01-02", 1);
  std::string id = submit("2024-01-01", "2024-01-03");
  auto backfills = loop(5);
  backfills.run_once(clock.now());
  run_queued();
  backfills.run_once(clock.now());
  ::unsetenv("STRATA_TEST_FAIL");
  EXPECT_EQ(backfill(id).status, "FAILED");
  EXPECT_EQ(backfill(id).runs_succeeded, 2);
  EXPECT_EQ(backfill(id).runs_failed, 1);
}

// The process driving the backfill is killed (SIGKILL) right after it created a run, before it
// recorded any progress: the next pass (another process) neither loses nor repeats a chunk.
TEST_P(BackfillLoopTest, ResumesAfterTheDrivingProcessIsKilled) {
  std::string id = submit("2024-01-01", "2024-01-04");
  std::filesystem::path instance_home = instance->home();
  instance.reset();  // the child opens its own connection
  int signal = s::testing::in_forked_child([&] {
    auto child_instance = s::Instance::open(instance_home);
    s::BackfillLoopOptions options;
    options.max_queued_runs = 3;
    options.on_run_created = [](const std::string&, int64_t, const std::string&) { ::raise(SIGKILL); };
    s::BackfillDaemonLoop(defs, child_instance, options).run_once(std::chrono::system_clock::now());
  });
  ASSERT_EQ(signal, SIGKILL);
  instance = s::Instance::open(instance_home);
  auto after_kill = entries(id);
  ASSERT_EQ(after_kill.size(), 1u) << "the run was created with its chunk's entry, in one transaction";
  EXPECT_EQ(runs_of(id), 1u);
  auto backfills = loop(3);
  backfills.run_once(clock.now());
  auto resumed = entries(id);
  ASSERT_EQ(resumed.size(), 3u);
  EXPECT_EQ(resumed[0].run_id, after_kill[0].run_id) << "chunk 0 keeps its run";
  EXPECT_EQ(runs_of(id), 3u);
  for (int pass = 0; pass < 5 && backfill(id).status == "RUNNING"; ++pass) {
    run_queued();
    backfills.run_once(clock.now());
  }
  EXPECT_EQ(backfill(id).status, "COMPLETED");
  EXPECT_EQ(runs_of(id), 4u) << "one run per partition, none twice";
}

TEST_P(BackfillLoopTest, CancelStopsNewRunsCancelsQueuedAndAsksRunningToStop) {
  std::string id = submit("2024-01-01", "2024-01-06");
  auto backfills = loop(2);
  backfills.run_once(clock.now());
  ASSERT_EQ(entries(id).size(), 2u);
  // One run is claimed (STARTED, as a run's process would hold it); the other stays queued.
  s::RunQueueCoordinator claim_one(instance, [](const s::QueuedRun&) {});
  std::string running = claim_one.dequeue(entries(id)[0].run_id).front().run.run_id;
  s::BackfillCancellation canceled = s::cancel_backfill(*instance, id, "test");
  EXPECT_EQ(canceled.queued_canceled, 1);
  EXPECT_EQ(canceled.running_asked, 1);
  EXPECT_EQ(canceled.backfill.status, "CANCELING");
  EXPECT_EQ(instance->storage().get_run(running)->status, s::RunStatus::kCanceling);
  EXPECT_EQ(instance->storage().get_run(entries(id)[1].run_id)->status, s::RunStatus::kCanceled);
  backfills.run_once(clock.now());
  EXPECT_EQ(entries(id).size(), 2u) << "a canceled backfill gets no new run";
  EXPECT_EQ(backfill(id).status, "CANCELING") << "a run is still stopping";
  s::Event stopped;
  stopped.type = s::EventType::kRunCanceled;
  stopped.run_id = running;
  stopped.timestamp_us = s::now_unix_us();
  ASSERT_TRUE(
      instance->storage().update_run_status_if(running, s::RunStatus::kCanceling, s::RunStatus::kCanceled, stopped));
  backfills.run_once(clock.now());
  EXPECT_EQ(backfill(id).status, "CANCELED");
  EXPECT_EQ(backfill(id).runs_canceled, 2);
  try {
    s::cancel_backfill(*instance, id);
    ADD_FAILURE() << "a finished backfill cannot be canceled";
  } catch (const s::Error& e) {
    EXPECT_NE(std::string(e.what()).find("already finished (CANCELED)"), std::string::npos) << e.what();
  }
}

// A dynamic partition deleted after submission: its chunk fails with the reason, the others run.
TEST_P(BackfillLoopTest, APartitionThatNoLongerExistsFailsItsChunkWithTheReason) {
  instance->storage().add_dynamic_partitions("customers", {"acme", "globex", "initech"});
  auto plan = s::plan_backfill(defs, s::AssetSelection::parse("customers"), {"acme", "globex", "initech"},
                               &instance->storage());
  std::string id = s::submit_backfill(defs, *instance, plan);
  instance->storage().delete_dynamic_partition("customers", "globex");
  auto backfills = loop(5);
  backfills.run_once(clock.now());
  run_queued();
  backfills.run_once(clock.now());
  s::BackfillRecord done = backfill(id);
  EXPECT_EQ(done.status, "FAILED");
  EXPECT_EQ(done.runs_succeeded, 2);
  EXPECT_EQ(done.runs_failed, 1);
  EXPECT_NE(done.error.find("globex"), std::string::npos) << done.error;
  EXPECT_EQ(runs_of(id), 2u);
}

// The command line: submit with --queue, list and show progress, and one clear error for each
// kind of bad input.
TEST_P(BackfillLoopTest, CommandLineSubmitsListsShowsAndCancels) {
  std::filesystem::path instance_home = instance->home();
  auto cli = [&](std::vector<std::string> args) { return s::testing::run_cli_in_process(defs, instance_home, args); };
  auto submitted = cli({"backfill", "--select", "days", "--from", "2024-01-01", "--to", "2024-01-03", "--queue"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  std::string id = submitted.out.substr(0, submitted.out.find('\n'));
  EXPECT_EQ(backfill(id).status, "REQUESTED");
  loop(1).run_once(clock.now());
  auto listed = cli({"backfill", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(id), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("RUNNING"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("0/3 runs done"), std::string::npos) << listed.out;
  auto shown = cli({"backfill", "show", id});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("QUEUED"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("NOT CREATED"), std::string::npos) << shown.out;

  auto unknown = cli({"backfill", "show", "bf-nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err.rfind("error[usage_error]: no backfill 'bf-nope'", 0), 0u) << unknown.err;
  auto unknown_cancel = cli({"backfill", "cancel", "bf-nope"});
  EXPECT_EQ(unknown_cancel.exit_code, 2);
  EXPECT_NE(unknown_cancel.err.find("no backfill 'bf-nope'"), std::string::npos) << unknown_cancel.err;

  auto canceled = cli({"backfill", "cancel", id});
  ASSERT_EQ(canceled.exit_code, 0) << canceled.err;
  EXPECT_NE(canceled.out.find("CANCELED"), std::string::npos) << canceled.out;
  auto again = cli({"backfill", "cancel", id});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already finished (CANCELED)"), std::string::npos) << again.err;

  size_t before = instance->storage().backfills().size();
  auto bad_partition = cli({"backfill", "--select", "days", "--partitions", "2024-13-45", "--queue"});
  EXPECT_EQ(bad_partition.exit_code, 2);
  EXPECT_NE(bad_partition.err.find("2024-13-45"), std::string::npos) << bad_partition.err;
  auto no_select = cli({"backfill", "--from", "2024-01-01", "--to", "2024-01-02", "--queue"});
  EXPECT_EQ(no_select.exit_code, 2);
  EXPECT_NE(no_select.err.find("--select"), std::string::npos) << no_select.err;
  EXPECT_EQ(instance->storage().backfills().size(), before) << "bad input records nothing";
}

INSTANTIATE_TEST_SUITE_P(Backends, BackfillLoopTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

}  // namespace
