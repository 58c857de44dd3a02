// Root inputs of ops: an op input with no upstream output in the job body, loaded by the input
// manager it names (input_manager_key), as asset inputs without an upstream asset are. The manager
// sees an InputContext with no upstream output and the metadata declared on the input; a missing
// manager, or an input with neither upstream nor manager, is refused when the job is defined.
#include <gtest/gtest.h>

#include <strata/strata.hpp>

#include "expect_error.hpp"

namespace s = strata;
using s::testing::error_of;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Loads "<prefix>:<table metadata>" for string inputs; the prefix is configurable per run.
struct TableLoader : s::InputManager {
  std::string prefix = "warehouse";
  STRATA_CONFIG_FIELDS(prefix)

  s::Value load_input(s::InputContext& context) override {
    if (context.upstream_output() != nullptr) throw s::Error("a root input has no upstream output");
    if (context.has_asset_key()) throw s::Error("an op input loads no asset");
    const auto* table = context.metadata().find("table");
    return s::Value::of(prefix + ":" + (table ? table->as_text() : "?") + " for " + context.step_key() + "." +
                        context.name());
  }
  bool can_load(const s::TypeInfo& type) const override { return type == s::type_of<std::string>(); }
};

auto load_op() {
  return s::op("load",
               {.ins = {s::AssetIn{.name = "raw", .metadata = {{"table", "events"}}, .input_manager_key = "loader"}}},
               [](const std::string& raw) { return raw + "!"; });
}

TEST(OpRootInputs, InputWithoutUpstreamIsLoadedByItsInputManager) {
  auto load = load_op();
  auto job = s::job("root_job", [&] { load(); },
                    {.resources = {{"loader", TableLoader()}, {"io_manager", s::InMemoryIOManager()}}});
  auto result = s::execute_in_process(job);
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.output_value<std::string>("load"), "warehouse:events for load.raw!");
  bool loaded = false;
  for (const auto& event : result.events()) {
    if (event.type == s::EventType::kLoadedInput && event.step_key == "load") {
      loaded = true;
      EXPECT_TRUE(contains(event.message, "input manager 'loader'")) << event.message;
    }
  }
  EXPECT_TRUE(loaded);
  // The manager's run config applies as for any resource.
  auto configured = s::execute_in_process(
      job, {.run_config = s::RunConfig::from_yaml("resources:\n  loader:\n    config: {prefix: lake}\n")});
  ASSERT_TRUE(configured.success()) << configured.failure_message();
  EXPECT_EQ(configured.output_value<std::string>("load"), "lake:events for load.raw!");
}

TEST(OpRootInputs, RootAndWiredInputsMixInOneOp) {
  auto make = s::op("make", [] { return int64_t{3}; });
  auto combine = s::op("combine", {.ins = {"count", s::AssetIn{.name = "label", .input_manager_key = "loader"}}},
                       [](int64_t count, const std::string& label) { return label + " x" + std::to_string(count); });
  // Only the inputs without an input manager are wired; `label` is loaded by "loader".
  auto job = s::job("mixed", [&] { combine(make()); },
                    {.resources = {{"loader", TableLoader()}, {"io_manager", s::InMemoryIOManager()}}});
  auto result = s::execute_in_process(job);
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.output_value<std::string>("combine"), "warehouse:? for combine.label x3");
  // The root input adds no dependency: only make -> combine.
  ASSERT_EQ(result.steps().size(), 2u);
}

TEST(OpRootInputs, InputWithoutUpstreamOrManagerIsRefusedNamingOpAndInput) {
  auto make = s::op("make", [] { return int64_t{3}; });
  auto pair = s::op("pair", {.ins = {"left", "right"}}, [](int64_t a, int64_t b) { return a + b; });
  std::string message = error_of([&] { s::job("broken", [&] { pair(make()); }); });
  EXPECT_TRUE(contains(message, "job 'broken', op 'pair': input 'right' has no upstream output and no input manager"))
      << message;
  auto combine = s::op("combine", {.ins = {"count", s::AssetIn{.name = "label", .input_manager_key = "loader"}}},
                       [](int64_t count, const std::string& label) { return label + std::to_string(count); });
  std::string too_many = error_of([&] { s::job("extra", [&] { combine(make(), make(), make()); }); });
  EXPECT_TRUE(contains(too_many,
                       "op 'combine': takes 2 input(s) (label loaded by input managers when left "
                       "unwired) but was given 3"))
      << too_many;
}

TEST(OpRootInputs, UnknownInputManagerIsRefusedWhenDefinitionsAreBuilt) {
  auto load = load_op();
  auto job = s::job("root_job", [&] { load(); }, {.resources = {{"loadr", TableLoader()}}});
  std::string message = error_of([&] { s::Definitions defs({.jobs = {job}}); });
  EXPECT_TRUE(contains(message, "job 'root_job': op 'load' input 'raw' needs resource 'loader', which is not defined"))
      << message;
  EXPECT_TRUE(contains(message, "did you mean 'loadr'?")) << message;
}

}  // namespace
