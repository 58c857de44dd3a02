// The executor: concurrency, failure isolation, skipping, events, metadata, logging.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <strata/strata.hpp>
#include <thread>

namespace s = strata;

namespace {

s::MaterializeOptions in_memory(int concurrency = 0) {
  return {.resources = {{"io_manager", s::InMemoryIOManager()}}, .max_concurrency = concurrency};
}

std::vector<s::EventType> types_for_step(const s::RunResult& result, const std::string& step) {
  std::vector<s::EventType> types;
  for (const auto& event : result.events()) {
    if (event.step_key == step) types.push_back(event.type);
  }
  return types;
}

TEST(Execution, StepEventsComeInLifecycleOrder) {
  auto a = s::asset("a", [] { return 1; });
  auto b = s::asset("b", {.ins = {"a"}}, [](int x) { return x + 1; });
  auto result = s::materialize({a, b}, in_memory());
  ASSERT_TRUE(result.success());
  using T = s::EventType;
  EXPECT_EQ(types_for_step(result, "b"),
            (std::vector<T>{T::kStepStart, T::kLoadedInput, T::kHandledOutput, T::kMaterialization, T::kStepSuccess}));
  EXPECT_EQ(result.events().front().type, T::kRunStart);
  EXPECT_EQ(result.events().back().type, T::kRunSuccess);
  for (const auto& event : result.events()) {
    EXPECT_EQ(event.run_id, result.run_id());
    EXPECT_GT(event.timestamp_us, 0);
  }
}

TEST(Execution, FailureSkipsDownstreamAndIndependentBranchesFinish) {
  auto root = s::asset("root", [] { return 1; });
  auto broken = s::asset("broken", {.ins = {"root"}}, [](int) -> int { throw std::invalid_argument("bad row 17"); });
  auto after_broken = s::asset("after_broken", {.ins = {"broken"}}, [](int x) { return x; });
  auto deps_on_broken = s::asset("deps_on_broken", {.deps = {"broken"}}, [] { return 0; });
  auto healthy = s::asset("healthy", {.ins = {"root"}}, [](int x) { return x * 2; });
  auto after_healthy = s::asset("after_healthy", {.ins = {"healthy"}}, [](int x) { return x * 2; });
  auto result = s::materialize({root, broken, after_broken, deps_on_broken, healthy, after_healthy}, in_memory(2));
  EXPECT_FALSE(result.success());
  EXPECT_EQ(result.step("broken").status, s::StepStatus::kFailure);
  EXPECT_EQ(result.step("broken").error_type, "std::invalid_argument");
  EXPECT_EQ(result.step("broken").error_message, "bad row 17");
  EXPECT_EQ(result.step("after_broken").status, s::StepStatus::kSkipped);
  EXPECT_EQ(result.step("deps_on_broken").status, s::StepStatus::kSkipped);
  EXPECT_EQ(result.step("after_healthy").status, s::StepStatus::kSuccess);
  EXPECT_EQ(result.asset_value<int>("after_healthy"), 4);
  auto failures = result.events_of(s::EventType::kStepFailure);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0].error_type, "std::invalid_argument");
  EXPECT_NE(result.failure_message().find("bad row 17"), std::string::npos);
  EXPECT_EQ(result.events().back().type, s::EventType::kRunFailure);
}

TEST(Execution, ReadyStepsRunConcurrently) {
  // Two independent steps that each wait for the other to start: this completes only when both run
  // at the same time (max_concurrency 2). A latch, not a sleep.
  // Bounded: a run that never starts the second step fails the test after a minute instead of
  // spinning forever.
  std::atomic<int> started{0};
  auto wait_for_both = [&] {
    started.fetch_add(1);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (started.load() < 2) {
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("the other step never started");
      std::this_thread::yield();
    }
    return 1;
  };
  auto left = s::asset("left", wait_for_both);
  auto right = s::asset("right", wait_for_both);
  auto result = s::materialize({left, right}, in_memory(2));
  EXPECT_TRUE(result.success());
}

TEST(Execution, ASlowEventListenerNeverHoldsUpTheSteps) {
  // The listener blocks on the first event (RUN_START) until every step has finished. A listener
  // called by the thread that emits the event would stop the run right there: then it gives up after a
  // minute and the test fails instead of hanging.
  constexpr int kSteps = 6;
  std::mutex mutex;
  std::condition_variable changed;
  int finished = 0;
  bool waited = false;
  bool gave_up = false;
  std::vector<s::EventType> seen;
  std::vector<s::AssetsDefinition> assets;
  for (int i = 0; i < kSteps; ++i) {
    assets.push_back(s::asset("a" + std::to_string(i), [&] {
      std::lock_guard lock(mutex);
      ++finished;
      changed.notify_all();
      return 1;
    }));
  }
  auto options = in_memory(2);
  options.on_event = [&](const s::Event& event) {
    seen.push_back(event.type);
    if (waited) return;
    waited = true;
    std::unique_lock lock(mutex);
    gave_up = !changed.wait_for(lock, std::chrono::seconds(60), [&] { return finished == kSteps; });
  };
  auto result = s::materialize(assets, options);
  EXPECT_TRUE(result.success());
  EXPECT_FALSE(gave_up) << "the steps waited for the event listener";
  // Every event reached the listener, in the run's order, before materialize returned.
  std::vector<s::EventType> recorded;
  for (const auto& event : result.events()) recorded.push_back(event.type);
  EXPECT_EQ(seen, recorded);
}

TEST(Execution, AThrowThatIsNotAStdExceptionFailsOnlyItsStep) {
  auto thrower = s::asset("thrower", []() -> int { throw 42; });
  auto after = s::asset("after", {.ins = {"thrower"}}, [](int x) { return x; });
  auto other = s::asset("other", [] { return 1; });
  auto result = s::materialize({thrower, after, other}, in_memory(2));
  EXPECT_FALSE(result.success());
  EXPECT_EQ(result.step("thrower").status, s::StepStatus::kFailure);
  EXPECT_EQ(result.step("thrower").error_message,
            "step 'thrower' threw a value of type 'int', which is not a std::exception");
  EXPECT_EQ(result.step("after").status, s::StepStatus::kSkipped);
  EXPECT_EQ(result.step("other").status, s::StepStatus::kSuccess);
}

TEST(Execution, FailuresRecordAStableCodeForStrataErrorsAndTheTypeForOthers) {
  auto config = s::asset("config", []() -> int { throw s::ConfigError("field 'limit' must be positive"); });
  auto missing = s::asset("missing", []() -> int { throw s::MissingDataError("asset 'x' was never materialized"); });
  auto user = s::asset("user", []() -> int { throw std::out_of_range("row 7"); });
  auto result = s::materialize({config, missing, user}, in_memory(2));
  EXPECT_EQ(result.step("config").error_type, "config_error");
  EXPECT_EQ(result.step("missing").error_type, "missing_data");
  EXPECT_EQ(result.step("user").error_type, "std::out_of_range");
  for (const auto& event : result.events_of(s::EventType::kStepFailure)) {
    EXPECT_EQ(event.error_type, result.step(event.step_key).error_type);
  }
  EXPECT_STREQ(s::CanceledError("stop").code(), "canceled");
  EXPECT_STREQ(s::Error("x").code(), "error");
}

TEST(Execution, MaxConcurrencyOneRunsOnTheCallingThread) {
  std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> elsewhere{0};
  std::vector<s::AssetsDefinition> assets;
  for (int i = 0; i < 20; ++i) {
    assets.push_back(s::asset("a" + std::to_string(i), [&] {
      if (std::this_thread::get_id() != caller) elsewhere.fetch_add(1);
      return 1;
    }));
  }
  auto result = s::materialize(assets, in_memory(1));
  EXPECT_TRUE(result.success());
  EXPECT_EQ(elsewhere.load(), 0);
}

TEST(Execution, MetadataFromBodyAndManagerLandOnMaterialization) {
  struct TaggingManager : s::InMemoryIOManager {
    void handle_output(s::OutputContext& context, const s::Value& value) override {
      InMemoryIOManager::handle_output(context, value);
      context.add_output_metadata({{"stored_by", "tagging"}, {"strata/bytes_written", int64_t{8}}});
    }
  };
  auto a = s::asset("a", {.metadata = {{"owner", "data-team"}}}, [](s::AssetContext& ctx) {
    ctx.add_output_metadata({{"num_records", 3}, {"preview", s::markdown("| a |\n|---|\n| 1 |")}});
    return std::vector<int>{1, 2, 3};
  });
  auto b = s::asset("b", [] { return s::Output<int>{5, {{"score", 0.5}}}; });
  auto result = s::materialize({a, b}, {.resources = {{"io_manager", TaggingManager()}}});
  ASSERT_TRUE(result.success()) << result.failure_message();
  auto m = result.materialization("a").metadata;
  EXPECT_EQ(m.at("num_records").as_int(), 3);
  EXPECT_EQ(m.at("preview").kind(), s::MetadataValue::Kind::kMarkdown);
  EXPECT_EQ(m.at("stored_by").as_text(), "tagging");
  EXPECT_EQ(m.at(s::kMetadataBytesWritten).as_int(), 8);
  EXPECT_GE(m.at(s::kMetadataDuration).as_float(), 0.0);
  EXPECT_FALSE(m.contains("owner"));  // definition metadata stays on the definition
  EXPECT_EQ(result.materialization("b").metadata.at("score").as_float(), 0.5);
}

TEST(Execution, DefaultManagerRecordsBytesWrittenWithoutUserCode) {
  auto a = s::asset("a", [] { return std::string(1000, 'x'); });
  auto result = s::materialize({a});
  ASSERT_TRUE(result.success());
  auto m = result.materialization("a").metadata;
  EXPECT_GT(m.at(s::kMetadataBytesWritten).as_int(), 1000);
  EXPECT_EQ(m.at("path").as_text(), (result.strata_home() / "storage" / "a").string());
}

TEST(Execution, LogsFromUserCodeBecomeEvents) {
  auto a = s::asset("a", [](s::AssetContext& ctx) {
    ctx.log().info("Got 20 items so far.");
    ctx.log().warning("slow API");
    return 1;
  });
  auto result = s::materialize({a}, in_memory());
  auto logs = result.events_of(s::EventType::kLog);
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs[0].message, "Got 20 items so far.");
  EXPECT_EQ(logs[0].level, s::LogLevel::kInfo);
  EXPECT_EQ(logs[0].step_key, "a");
  EXPECT_EQ(logs[1].level, s::LogLevel::kWarning);
}

TEST(Execution, MultiAssetMaySkipAnOptionalOutputAndItsDownstream) {
  auto split =
      s::multi_asset({.name = "split", .outs = {s::out<int>("evens"), s::out<int>("odds", {.is_required = false})}},
                     [](s::AssetContext& ctx) { ctx.yield_output("evens", 2); });
  auto use_odds = s::asset("use_odds", {.ins = {"odds"}}, [](int x) { return x; });
  auto use_evens = s::asset("use_evens", {.ins = {"evens"}}, [](int x) { return x; });
  auto result = s::materialize({split, use_odds, use_evens}, in_memory());
  EXPECT_EQ(result.step("split").status, s::StepStatus::kSuccess);
  EXPECT_EQ(result.step("use_evens").status, s::StepStatus::kSuccess);
  EXPECT_EQ(result.step("use_odds").status, s::StepStatus::kSkipped);
  EXPECT_EQ(result.materializations().size(), 2u);            // evens, use_evens
  EXPECT_TRUE(result.success()) << result.failure_message();  // a skip by design is not a failure
}

TEST(Execution, ASkipCausedByAnUpstreamFailureFailsTheRun) {
  auto broken = s::asset("broken", []() -> int { throw std::runtime_error("boom"); });
  auto after = s::asset("after", {.ins = {"broken"}}, [](int x) { return x; });
  auto later = s::asset("later", {.ins = {"after"}}, [](int x) { return x; });
  auto result = s::materialize({broken, after, later}, in_memory());
  EXPECT_EQ(result.step("later").status, s::StepStatus::kSkipped);
  EXPECT_FALSE(result.success());
}

TEST(Execution, MultiAssetMissingRequiredOutputFailsTheStep) {
  auto split = s::multi_asset({.name = "split", .outs = {s::out<int>("evens"), s::out<int>("odds")}},
                              [](s::AssetContext& ctx) { ctx.yield_output("evens", 2); });
  auto result = s::materialize({split}, in_memory());
  EXPECT_FALSE(result.success());
  EXPECT_NE(result.step("split").error_message.find("did not yield required output 'odds'"), std::string::npos);
}

TEST(Execution, MultiAssetYieldOfWrongTypeFailsWithBothTypes) {
  auto m = s::multi_asset({.name = "m", .outs = {s::out<int>("n")}},
                          [](s::AssetContext& ctx) { ctx.yield_output("n", std::string("x")); });
  auto result = s::materialize({m}, in_memory());
  EXPECT_NE(result.step("m").error_message.find("yielded output 'n' as std::string but it is declared as int"),
            std::string::npos)
      << result.step("m").error_message;
}

TEST(Execution, MultiAssetReturningTupleFillsOutputsInOrder) {
  auto m = s::multi_asset({.name = "m", .outs = {s::out<int>("count"), s::out<std::string>("label")}}, [] {
    return std::tuple<int, std::string>{3, "three"};
  });
  auto result = s::materialize({m}, in_memory());
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<int>("count"), 3);
  EXPECT_EQ(result.asset_value<std::string>("label"), "three");
}

TEST(Execution, OpWithSeveralOutputsWiresByName) {
  auto split = s::op("split", {.outs = {s::op_out<int>("low"), s::op_out<int>("high")}}, [](s::OpContext& ctx) {
    ctx.yield_output("low", 1);
    ctx.yield_output("high", 9);
  });
  auto diff = s::op("diff", {.ins = {"a", "b"}}, [](int a, int b) { return b - a; });
  auto graph = s::job("spread", [&] {
    auto parts = split();
    diff(parts["low"], parts["high"]);
  });
  auto result = s::execute_in_process(graph, {.max_concurrency = 1});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.output_value<int>("diff"), 8);
}

TEST(Execution, SameOpTwiceGetsDistinctStepKeys) {
  auto one = s::op("one", [] { return 1; });
  auto add = s::op("add", {.ins = {"a", "b"}}, [](int a, int b) { return a + b; });
  auto graph =
      s::job("sum", [&] { add(add(one(), one()), one()); }, {.resources = {{"io_manager", s::InMemoryIOManager()}}});
  auto result = s::execute_in_process(graph);
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.output_value<int>("add_2"), 3);
  EXPECT_EQ(result.steps().size(), 5u);
}

TEST(Execution, AssetSubsetLoadsUnselectedUpstreamFromStorage) {
  auto a = s::asset("a", [] { return 20; });
  auto b = s::asset("b", {.ins = {"a"}}, [](int x) { return x + 1; });
  auto manager = std::make_shared<s::InMemoryIOManager>();
  s::Definitions defs({.assets = {a, b}, .resources = {{"io_manager", manager}}});
  ASSERT_TRUE(s::materialize(defs, s::AssetSelection::keys({"a"})).success());
  auto result = s::materialize(defs, s::AssetSelection::keys({"b"}));
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.steps().size(), 1u);
  EXPECT_EQ(result.asset_value<int>("b"), 21);
}

TEST(Execution, MissingUpstreamMaterializationFailsWithAClearMessage) {
  auto a = s::asset("a", [] { return 20; });
  auto b = s::asset("b", {.ins = {"a"}}, [](int x) { return x + 1; });
  s::Definitions defs({.assets = {a, b}});
  auto result = s::materialize(defs, s::AssetSelection::keys({"b"}));
  EXPECT_FALSE(result.success());
  EXPECT_NE(result.step("b").error_message.find("asset 'a': no stored object at"), std::string::npos)
      << result.step("b").error_message;
}

TEST(Execution, KeyPrefixAndGroupsShapeKeysAndSelections) {
  auto stories =
      s::asset("topstories", {.key_prefix = {"analytics", "hackernews"}, .group = "hackernews"}, [] { return 1; });
  auto words = s::asset("words",
                        {.ins = {s::AssetIn{.name = "stories", .key = s::AssetKey("analytics/hackernews/topstories")}},
                         .group = "hackernews"},
                        [](int x) { return x; });
  auto other = s::asset("other", [] { return 0; });
  s::Definitions defs({.assets = {stories, words, other}, .resources = {{"io_manager", s::InMemoryIOManager()}}});
  EXPECT_EQ(stories.key().to_string(), "analytics/hackernews/topstories");
  auto result = s::materialize(defs, s::AssetSelection::groups({"hackernews"}));
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.materializations().size(), 2u);
  EXPECT_EQ(result.step("analytics__hackernews__topstories").status, s::StepStatus::kSuccess);
}

}  // namespace

namespace {

// Input loading picks the manager: input_manager_key > the upstream output's io_manager_key >
// "io_manager" > the built-in filesystem manager.
TEST(Execution, ManagerKeyResolutionOrder) {
  struct Recording : s::InMemoryIOManager {
    std::string name;
    std::shared_ptr<std::vector<std::string>> journal;
    s::Value load_input(s::InputContext& context) override {
      journal->push_back(name + " loads " + context.name());
      return InMemoryIOManager::load_input(context);
    }
  };
  auto journal = std::make_shared<std::vector<std::string>>();
  auto special = std::make_shared<Recording>();
  special->name = "special";
  special->journal = journal;
  auto fallback = std::make_shared<Recording>();
  fallback->name = "io_manager";
  fallback->journal = journal;
  struct Override : s::InputManager {
    std::shared_ptr<std::vector<std::string>> journal;
    s::Value load_input(s::InputContext& context) override {
      journal->push_back("override loads " + context.name());
      return s::Value::of(100);
    }
  };
  auto override_manager = std::make_shared<Override>();
  override_manager->journal = journal;

  auto a = s::asset("a", {.io_manager_key = "special"}, [] { return 1; });
  auto b = s::asset("b", [] { return 2; });
  auto c = s::asset(
      "c", {.ins = {"a", "b", s::AssetIn{.name = "x", .key = s::AssetKey("a"), .input_manager_key = "override"}}},
      [](int from_a, int from_b, int x) { return from_a + from_b + x; });
  auto result = s::materialize(
      {a, b, c}, {.resources = {{"special", special}, {"io_manager", fallback}, {"override", override_manager}},
                  .max_concurrency = 1});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<int>("c"), 103);
  EXPECT_EQ(*journal, (std::vector<std::string>{"special loads a", "io_manager loads b", "override loads x"}));
  // Without an "io_manager" resource, the built-in filesystem manager stores and loads.
  auto d = s::asset("d", {.ins = {"b"}}, [](int v) { return v * 10; });
  auto builtin = s::materialize({b, d});
  ASSERT_TRUE(builtin.success()) << builtin.failure_message();
  EXPECT_TRUE(std::filesystem::exists(builtin.strata_home() / "storage" / "b"));
  EXPECT_EQ(builtin.asset_value<int>("d"), 20);
}

}  // namespace
