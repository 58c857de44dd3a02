// Cancelling a running run: through the instance (`runs cancel` from any process) and through
// RunOptions::cancellation. A cooperative step stops, steps not started are skipped, the run ends
// CANCELED with RUN_CANCELING / RUN_CANCELED events, and the previous materialization stays what
// readers load. Synchronisation is by promises and the cancellation itself, never by sleeping.
#include <gtest/gtest.h>

#include <future>
#include <strata/strata.hpp>
#include <thread>

#include "expect_error.hpp"
#include "temp_dir.hpp"

namespace s = strata;
using std::chrono::milliseconds;
using strata::testing::error_of;
using strata::testing::TempDir;

namespace {

constexpr auto kBound = std::chrono::seconds(60);  // a bound on waiting, not a timing assertion

// "value" (a generation number), then "slow" reading it, which waits until the run is canceled
// once `stop` says so; "after" reads slow.
struct Pipeline {
  std::shared_ptr<std::promise<void>> started = std::make_shared<std::promise<void>>();
  bool cooperative = true;
  int generation = 1;
  bool block = false;

  std::vector<s::AssetsDefinition> assets() {
    auto value = s::asset("value", [this] { return int64_t{generation}; });
    auto slow = s::asset("slow", {.ins = {"value"}}, [this](s::AssetContext& ctx, int64_t v) {
      if (block) {
        started->set_value();
        if (cooperative) {
          while (!ctx.wait_unless_canceled(std::chrono::seconds(1))) {
          }
          ctx.check_canceled();
        } else {
          while (!ctx.is_canceled()) std::this_thread::yield();  // ignores it, then returns a value
        }
      }
      return v * 10;
    });
    auto after = s::asset("after", {.ins = {"slow"}}, [](int64_t v) { return v + 1; });
    return {value, slow, after};
  }
};

class Cancellation : public ::testing::Test {
 protected:
  TempDir home;
  std::shared_ptr<s::Instance> instance = s::Instance::open(home.path());

  int64_t latest_slow(const std::vector<s::AssetsDefinition>& assets) {
    auto reader = s::asset("reader", {.ins = {"slow"}, .io_manager_key = "memory"}, [](int64_t v) { return v; });
    std::vector<s::AssetsDefinition> all = assets;
    all.push_back(reader);
    s::Definitions defs({.assets = all, .resources = {{"memory", s::InMemoryIOManager()}}});
    auto result = s::materialize(defs, s::AssetSelection::keys({"reader"}), {.instance = instance});
    EXPECT_TRUE(result.success()) << result.failure_message();
    return result.success() ? result.asset_value<int64_t>("reader") : -1;
  }
};

TEST_F(Cancellation, RunsCancelThroughTheInstanceStopsACooperativeStep) {
  Pipeline pipeline;
  ASSERT_TRUE(s::materialize(pipeline.assets(), {.instance = instance}).success());  // slow = 10
  pipeline.generation = 2;
  pipeline.block = true;
  std::future<s::RunResult> running = std::async(std::launch::async, [&] {
    return s::materialize(pipeline.assets(), {.instance = instance, .run_id = "run-to-cancel"});
  });
  ASSERT_EQ(pipeline.started->get_future().wait_for(kBound), std::future_status::ready);
  // Another handle on the instance, as `runs cancel` in another process would have.
  auto other = s::Instance::open(home.path());
  EXPECT_EQ(other->cancel_run("run-to-cancel", "test"), s::RunStatus::kCanceling);
  ASSERT_EQ(running.wait_for(kBound), std::future_status::ready);
  s::RunResult result = running.get();
  EXPECT_FALSE(result.success());
  EXPECT_TRUE(result.canceled());
  EXPECT_EQ(result.step("value").status, s::StepStatus::kSuccess);
  EXPECT_EQ(result.step("slow").status, s::StepStatus::kFailure);
  EXPECT_EQ(result.step("slow").error_type, "canceled");
  EXPECT_EQ(result.step("after").status, s::StepStatus::kSkipped);
  EXPECT_EQ(other->storage().get_run("run-to-cancel")->status, s::RunStatus::kCanceled);
  std::vector<std::string> run_events;
  for (const auto& record : other->storage().events_for_run("run-to-cancel")) {
    auto type = record.event.type;
    if (type == s::EventType::kRunCanceling || type == s::EventType::kRunCanceled ||
        type == s::EventType::kRunFailure || type == s::EventType::kMaterializationFailed) {
      run_events.push_back(s::event_type_name(type));
    }
  }
  EXPECT_EQ(run_events, (std::vector<std::string>{"RUN_CANCELING", "RUN_CANCELED"}));
  // The canceled run changed nothing readers load: slow is still the first run's value.
  EXPECT_EQ(latest_slow(Pipeline{}.assets()), 10);
  // Nothing left to cancel.
  EXPECT_NE(error_of([&] { other->cancel_run("run-to-cancel"); }).find("already finished (CANCELED)"),
            std::string::npos);
}

TEST_F(Cancellation, AStepThatIgnoresCancellationStoresNothing) {
  Pipeline pipeline;
  ASSERT_TRUE(s::materialize(pipeline.assets(), {.instance = instance}).success());  // slow = 10
  pipeline.generation = 3;
  pipeline.block = true;
  pipeline.cooperative = false;
  auto token = std::make_shared<s::RunCancellation>();
  std::future<s::RunResult> running = std::async(std::launch::async, [&] {
    return s::materialize(pipeline.assets(), {.instance = instance, .cancellation = token});
  });
  ASSERT_EQ(pipeline.started->get_future().wait_for(kBound), std::future_status::ready);
  token->cancel("stopped by the test");
  ASSERT_EQ(running.wait_for(kBound), std::future_status::ready);
  s::RunResult result = running.get();
  EXPECT_TRUE(result.canceled());
  EXPECT_NE(result.step("slow").error_message.find("after the run was canceled; it was not stored"), std::string::npos)
      << result.step("slow").error_message;
  EXPECT_NE(result.failure_message().find("stopped by the test"), std::string::npos) << result.failure_message();
  EXPECT_EQ(instance->storage().get_run(result.run_id())->status, s::RunStatus::kCanceled);
  EXPECT_EQ(latest_slow(Pipeline{}.assets()), 10);
}

TEST_F(Cancellation, ARetryWaitEndsWhenTheRunIsCanceled) {
  auto started = std::make_shared<std::promise<void>>();
  auto failing = s::asset("failing", {.retry_policy = s::RetryPolicy{.max_retries = 3, .delay = std::chrono::hours(1)}},
                          [started]() -> int64_t {
                            started->set_value();
                            throw std::runtime_error("down");
                          });
  auto token = std::make_shared<s::RunCancellation>();
  std::future<s::RunResult> running =
      std::async(std::launch::async, [&] { return s::materialize({failing}, {.cancellation = token}); });
  ASSERT_EQ(started->get_future().wait_for(kBound), std::future_status::ready);
  token->cancel("no more waiting");
  ASSERT_EQ(running.wait_for(kBound), std::future_status::ready);
  s::RunResult result = running.get();
  EXPECT_TRUE(result.canceled());
  EXPECT_EQ(result.step("failing").attempts, 1);
  EXPECT_TRUE(result.events_of(s::EventType::kStepRestarted).empty());
}

TEST_F(Cancellation, UnknownAndQueuedRuns) {
  EXPECT_NE(error_of([&] { instance->cancel_run("no-such-run"); }).find("no run no-such-run"), std::string::npos);
  s::RunRecord queued;
  queued.run_id = "queued-run";
  queued.job_name = "__ASSET_JOB";
  queued.status = s::RunStatus::kQueued;
  instance->storage().add_run(queued);
  EXPECT_EQ(instance->cancel_run("queued-run"), s::RunStatus::kCanceled);
  EXPECT_EQ(instance->storage().get_run("queued-run")->status, s::RunStatus::kCanceled);
}

}  // namespace
