// Re-execution: a new run of a finished run, or of its failed part, reading the unchanged upstream
// outputs of that run through the I/O managers (op outputs under the parent's run id).
#include <gtest/gtest.h>

#include <strata/strata.hpp>

#include "expect_error.hpp"
#include "temp_dir.hpp"

namespace s = strata;
using strata::testing::error_of;
using strata::testing::TempDir;

namespace {

class Reexecution : public ::testing::Test {
 protected:
  TempDir home;
  std::shared_ptr<s::Instance> instance = s::Instance::open(home.path());
  int make_calls = 0;
  int add_calls = 0;
  bool add_fails = true;

  // make -> add_one -> twice, an op job whose middle step fails while add_fails is set.
  s::Definitions ops_job() {
    auto make = s::op("make", [this] {
      ++make_calls;
      return int64_t{20};
    });
    auto add_one = s::op("add_one", {.ins = {"n"}}, [this](int64_t n) {
      ++add_calls;
      if (add_fails) throw std::runtime_error("add_one is broken today");
      return n + 1;
    });
    auto twice = s::op("twice", {.ins = {"n"}}, [](int64_t n) { return n * 2; });
    return s::Definitions({.jobs = {s::job("numbers", [&] { twice(add_one(make())); })}});
  }

  s::RunResult run(const s::ReexecutionPlan& plan) {
    s::RunOptions options = plan.options;
    options.instance = instance;
    return s::execute_plan(plan.plan, options);
  }

  std::vector<std::string> step_keys(const s::ExecutionPlan& plan) {
    std::vector<std::string> keys;
    for (const auto& step : plan.steps()) keys.push_back(step.key);
    return keys;
  }
};

TEST_F(Reexecution, FromFailureRunsOnlyTheFailedStepAndItsDownstreamOnTheParentsOutputs) {
  auto defs = ops_job();
  auto first = s::execute_job(defs, "numbers", {.instance = instance});
  ASSERT_FALSE(first.success());
  EXPECT_EQ(first.step("twice").status, s::StepStatus::kSkipped);
  add_fails = false;
  auto plan = s::plan_reexecution(defs, instance->storage(), first.run_id(), {.from_failure = true});
  EXPECT_EQ(step_keys(plan.plan), (std::vector<std::string>{"add_one", "twice"}));
  auto second = run(plan);
  ASSERT_TRUE(second.success()) << second.failure_message();
  EXPECT_EQ(make_calls, 1);  // not run again: its output is read from the first run's directory
  EXPECT_EQ(second.output_value<int64_t>("twice"), 42);
  auto record = instance->storage().get_run(second.run_id());
  EXPECT_EQ(record->tags.at("strata/parent_run_id"), first.run_id());
  EXPECT_EQ(record->tags.at("strata/root_run_id"), first.run_id());
  // A re-execution of the re-execution keeps the root.
  auto third_plan = s::plan_reexecution(defs, instance->storage(), second.run_id(), {.steps = {"twice"}});
  EXPECT_EQ(step_keys(third_plan.plan), (std::vector<std::string>{"twice"}));
  auto third = run(third_plan);
  ASSERT_TRUE(third.success()) << third.failure_message();
  EXPECT_EQ(third.output_value<int64_t>("twice"), 42);
  EXPECT_EQ(add_calls, 2);
  EXPECT_EQ(instance->storage().get_run(third.run_id())->tags.at("strata/root_run_id"), first.run_id());
}

TEST_F(Reexecution, AssetRunsRerunChosenAssetsOnTheStoredUpstream) {
  int upstream_calls = 0;
  auto upstream = s::asset("upstream", [&] {
    ++upstream_calls;
    return std::string("hello");
  });
  auto shout = s::asset("shout", {.ins = {"upstream"}, .partitions = nullptr},
                        [](const std::string& text) { return text + "!"; });
  s::Definitions defs({.assets = {upstream, shout}});
  auto first = s::materialize(defs, s::AssetSelection::all(), {.instance = instance, .tags = {{"team", "data"}}});
  ASSERT_TRUE(first.success());
  auto plan = s::plan_reexecution(defs, instance->storage(), first.run_id(), {.steps = {"shout"}});
  auto again = run(plan);
  ASSERT_TRUE(again.success()) << again.failure_message();
  EXPECT_EQ(upstream_calls, 1);
  EXPECT_EQ(again.asset_value<std::string>("shout"), "hello!");
  EXPECT_EQ(instance->storage().get_run(again.run_id())->tags.at("team"), "data");
}

TEST_F(Reexecution, APartitionedRunIsReexecutedForItsPartitions) {
  auto daily = s::daily_partitions("2024-01-01");
  std::vector<std::string> seen;
  auto events = s::asset(
      "events", {.partitions = daily, .backfill_policy = s::BackfillPolicy::single_run()}, [&](s::AssetContext& ctx) {
        seen.insert(seen.end(), ctx.asset_partition_keys().begin(), ctx.asset_partition_keys().end());
        s::PerPartition<int64_t> out;
        for (const auto& key : ctx.asset_partition_keys()) out[key] = 1;
        return out;
      });
  s::Definitions defs({.assets = {events}});
  auto first = s::materialize(defs, s::AssetSelection::all(),
                              {.instance = instance, .partition_keys = {"2024-01-02", "2024-01-05"}});
  ASSERT_TRUE(first.success()) << first.failure_message();
  auto again = run(s::plan_reexecution(defs, instance->storage(), first.run_id(), {}));
  ASSERT_TRUE(again.success()) << again.failure_message();
  EXPECT_EQ(seen, (std::vector<std::string>{"2024-01-02", "2024-01-05", "2024-01-02", "2024-01-05"}));
}

TEST_F(Reexecution, BadRequestsNameWhatIsWrong) {
  auto defs = ops_job();
  add_fails = false;
  auto ok = s::execute_job(defs, "numbers", {.instance = instance});
  ASSERT_TRUE(ok.success());
  auto& storage = instance->storage();
  EXPECT_NE(error_of([&] { s::plan_reexecution(defs, storage, "no-such-run", {}); }).find("no run no-such-run"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              s::plan_reexecution(defs, storage, ok.run_id(), {.from_failure = true});
            }).find("succeeded: no step failed"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              s::plan_reexecution(defs, storage, ok.run_id(), {.steps = {"add_two"}});
            }).find("'add_two' is not a step or asset of run " + ok.run_id() + " (steps: add_one, make, twice)"),
            std::string::npos);
  // Definitions that changed: the job is gone, or one of its steps was renamed.
  s::Definitions without_job({});
  EXPECT_NE(error_of([&] {
              s::plan_reexecution(without_job, storage, ok.run_id(), {});
            }).find("is a run of job 'numbers', which this program does not define"),
            std::string::npos);
  auto make = s::op("make", [] { return int64_t{1}; });
  auto increment = s::op("increment", {.ins = {"n"}}, [](int64_t n) { return n + 1; });
  auto twice = s::op("twice", {.ins = {"n"}}, [](int64_t n) { return n * 2; });
  s::Definitions renamed({.jobs = {s::job("numbers", [&] { twice(increment(make())); })}});
  EXPECT_NE(error_of([&] {
              s::plan_reexecution(renamed, storage, ok.run_id(), {});
            }).find("ran step 'add_one', which this program's definitions no longer have"),
            std::string::npos);
  // A run that has not finished.
  s::RunRecord running;
  running.run_id = "still-running";
  running.job_name = "numbers";
  running.status = s::RunStatus::kStarted;
  storage.add_run(running);
  EXPECT_NE(error_of([&] { s::plan_reexecution(defs, storage, "still-running", {}); }).find("is STARTED"),
            std::string::npos);
}

}  // namespace
