// Retries: RetryPolicy on assets, ops and as a job's default, RetryRequested from a step, the
// STEP_UP_FOR_RETRY / STEP_RESTARTED events with attempt numbers, and a final failure that keeps
// every attempt's error.
#include <gtest/gtest.h>

#include <strata/strata.hpp>

#include "expect_error.hpp"
#include "temp_dir.hpp"

namespace s = strata;
using std::chrono::milliseconds;
using strata::testing::error_of;
using strata::testing::TempDir;

namespace {

std::vector<int64_t> metadata_ints(const std::vector<s::Event>& events, const std::string& name) {
  std::vector<int64_t> out;
  for (const auto& event : events) out.push_back(event.metadata.at(name).as_int());
  return out;
}

TEST(Retries, ExponentialBackoffSucceedsOnTheThirdAttemptAndRecordsEveryAttempt) {
  TempDir home;
  auto instance = s::Instance::open(home.path());
  int calls = 0;
  auto flaky = s::asset(
      "flaky",
      {.retry_policy = s::RetryPolicy{.max_retries = 3, .delay = milliseconds(2), .backoff = s::Backoff::kExponential}},
      [&calls] {
        if (++calls < 3) throw std::runtime_error("service unavailable (call " + std::to_string(calls) + ")");
        return int64_t{42};
      });
  auto result = s::materialize({flaky}, {.instance = instance});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<int64_t>("flaky"), 42);
  EXPECT_EQ(calls, 3);
  const auto& step = result.step("flaky");
  EXPECT_EQ(step.attempts, 3);
  EXPECT_EQ(step.attempt_errors,
            (std::vector<std::string>{"service unavailable (call 1)", "service unavailable (call 2)"}));
  auto retries = result.events_of(s::EventType::kStepUpForRetry);
  EXPECT_EQ(metadata_ints(retries, "attempt"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(metadata_ints(retries, "delay_ms"), (std::vector<int64_t>{2, 6}));  // 2*(2^1-1), 2*(2^2-1)
  EXPECT_NE(retries[0].message.find("service unavailable (call 1)"), std::string::npos) << retries[0].message;
  EXPECT_EQ(metadata_ints(result.events_of(s::EventType::kStepRestarted), "attempt"), (std::vector<int64_t>{2, 3}));
  // The instance holds the same events, in order, and one materialization.
  std::vector<std::string> recorded;
  for (const auto& record : instance->storage().events_for_run(result.run_id())) {
    auto type = record.event.type;
    if (type == s::EventType::kStepUpForRetry || type == s::EventType::kStepRestarted ||
        type == s::EventType::kStepSuccess || type == s::EventType::kMaterialization) {
      recorded.push_back(s::event_type_name(type));
    }
  }
  EXPECT_EQ(recorded, (std::vector<std::string>{"STEP_UP_FOR_RETRY", "STEP_RESTARTED", "STEP_UP_FOR_RETRY",
                                                "STEP_RESTARTED", "ASSET_MATERIALIZATION", "STEP_SUCCESS"}));
}

TEST(Retries, TheFinalFailureKeepsEveryAttemptsError) {
  int calls = 0;
  auto broken = s::asset("broken", {.retry_policy = s::RetryPolicy{.max_retries = 2}},
                         [&calls]() -> int64_t { throw std::runtime_error("boom " + std::to_string(++calls)); });
  auto downstream = s::asset("downstream", {.ins = {"broken"}}, [](int64_t v) { return v; });
  auto result = s::materialize({broken, downstream});
  ASSERT_FALSE(result.success());
  EXPECT_EQ(calls, 3);
  const auto& step = result.step("broken");
  EXPECT_EQ(step.status, s::StepStatus::kFailure);
  EXPECT_EQ(step.attempts, 3);
  EXPECT_EQ(step.error_message, "failed after 3 attempts: attempt 1: boom 1; attempt 2: boom 2; attempt 3: boom 3");
  EXPECT_EQ(result.step("downstream").status, s::StepStatus::kSkipped);
  EXPECT_EQ(result.events_of(s::EventType::kStepUpForRetry).size(), 2u);
  EXPECT_EQ(result.events_of(s::EventType::kStepFailure).size(), 1u);
}

TEST(Retries, AStepMayAskForARetryItself) {
  int calls = 0;
  auto polite = s::asset("polite", [&calls] {
    if (++calls == 1) throw s::RetryRequested("rate limited", 1, milliseconds(1));
    return std::string("done");
  });
  auto result = s::materialize({polite});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(calls, 2);
  auto retries = result.events_of(s::EventType::kStepUpForRetry);
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_EQ(retries[0].metadata.at("delay_ms").as_int(), 1);
  EXPECT_NE(retries[0].message.find("rate limited"), std::string::npos);
  // Asked for once only: a second request is not granted.
  int always = 0;
  auto insistent =
      s::asset("insistent", [&always]() -> int { throw s::RetryRequested("again " + std::to_string(++always)); });
  auto failed = s::materialize({insistent});
  EXPECT_FALSE(failed.success());
  EXPECT_EQ(always, 2);
}

TEST(Retries, AJobsDefaultAppliesToOpsWithoutTheirOwn) {
  int first_calls = 0;
  int second_calls = 0;
  auto first = s::op("first", [&first_calls] {
    if (++first_calls < 3) throw std::runtime_error("first not yet");
    return int64_t{1};
  });
  auto second = s::op("second", {.ins = {"n"}, .retry_policy = s::RetryPolicy{.max_retries = 0}},
                      [&second_calls](int64_t n) -> int64_t {
                        ++second_calls;
                        throw std::runtime_error("second fails " + std::to_string(n));
                      });
  auto job = s::job("retrying_job", [&] { second(first()); }, {.op_retry_policy = s::RetryPolicy{.max_retries = 5}});
  s::Definitions defs({.jobs = {job}});
  auto result = s::execute_job(defs, "retrying_job");
  EXPECT_FALSE(result.success());
  EXPECT_EQ(first_calls, 3);   // the job's default: retried until it worked
  EXPECT_EQ(second_calls, 1);  // its own policy: never retried
}

TEST(Retries, NegativeCountsAndDelaysAreRefusedWhenDefined) {
  EXPECT_NE(error_of([] {
              s::asset("a", {.retry_policy = s::RetryPolicy{.max_retries = -1}}, [] { return 1; });
            }).find("asset 'a': retry policy max_retries is -1; it must be 0 or more"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              s::op("o", {.retry_policy = s::RetryPolicy{.delay = milliseconds(-5)}}, [] { return 1; });
            }).find("op 'o': retry policy delay is -5 ms"),
            std::string::npos);
  EXPECT_THROW(
      s::define_asset_job("j", s::AssetSelection::all(), {.op_retry_policy = s::RetryPolicy{.max_retries = -2}}),
      s::DefinitionError);
}

TEST(Retries, DelaysFollowTheBackoffAndStayInsideTheJitter) {
  s::RetryPolicy fixed{.max_retries = 5, .delay = milliseconds(100)};
  EXPECT_EQ(fixed.delay_before(3, 0.5), milliseconds(100));
  s::RetryPolicy linear{.max_retries = 5, .delay = milliseconds(100), .backoff = s::Backoff::kLinear};
  EXPECT_EQ(linear.delay_before(3, 0.5), milliseconds(300));
  s::RetryPolicy exponential{.max_retries = 5, .delay = milliseconds(100), .backoff = s::Backoff::kExponential};
  EXPECT_EQ(exponential.delay_before(3, 0.5), milliseconds(700));
  s::RetryPolicy full = exponential;
  full.jitter = s::Jitter::kFull;
  EXPECT_EQ(full.delay_before(3, 0.0), milliseconds(0));
  EXPECT_EQ(full.delay_before(3, 0.5), milliseconds(350));
  s::RetryPolicy plus_minus = linear;
  plus_minus.jitter = s::Jitter::kPlusMinus;
  EXPECT_EQ(plus_minus.delay_before(1, 0.0), milliseconds(0));    // 100 - 100
  EXPECT_EQ(plus_minus.delay_before(2, 1.0), milliseconds(300));  // 200 + 100
}

}  // namespace
