// Config of assets and ops: a struct with STRATA_CONFIG_FIELDS taken as a parameter after the
// optional context, set per run under ops.<step>.config (YAML or JSON, EnvVar), checked before the
// run starts (nothing runs or is recorded on a bad config), secrets masked in the stored run config.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <strata/strata.hpp>

#include "expect_error.hpp"
#include "temp_dir.hpp"

namespace s = strata;
using s::testing::error_of;

namespace {

struct ScaleConfig {
  int64_t factor = 2;
  std::string label = "scaled";
  s::Setting<std::string> unit = "m";
  STRATA_CONFIG_FIELDS(factor, label, unit)
};

struct FetchConfig {
  s::Required<std::string> endpoint;
  s::Secret<std::string> api_key = "dev-key";
  std::optional<int64_t> limit;
  STRATA_CONFIG_FIELDS(endpoint, api_key, limit)
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

auto numbers() {
  return s::asset("numbers", [] { return std::vector<int64_t>{1, 2, 3}; });
}

// Context, config, then the inputs.
auto scaled() {
  return s::asset("scaled", {.ins = {"numbers"}},
                  [](s::AssetContext& ctx, const ScaleConfig& config, const std::vector<int64_t>& values) {
                    ctx.log().info("scaling by " + std::to_string(config.factor));
                    std::vector<int64_t> out;
                    for (int64_t v : values) out.push_back(v * config.factor);
                    return std::make_pair(config.label + " in " + config.unit.value(), out);
                  });
}

s::Definitions scaled_defs() {
  return s::Definitions({.assets = {numbers(), scaled()}, .resources = {{"io_manager", s::InMemoryIOManager()}}});
}

s::RunResult run(const s::Definitions& defs, const s::RunConfig& config, std::shared_ptr<s::Instance> instance = {}) {
  return s::materialize(defs, s::AssetSelection::all(), {.instance = std::move(instance), .run_config = config});
}

using Scaled = std::pair<std::string, std::vector<int64_t>>;

TEST(StepConfig, AssetUsesStructDefaultsWithoutRunConfig) {
  auto result = run(scaled_defs(), s::RunConfig());
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<Scaled>(s::AssetKey("scaled")), Scaled("scaled in m", {2, 4, 6}));
}

TEST(StepConfig, RunConfigSetsAssetConfigFromYamlAndJson) {
  auto defs = scaled_defs();
  auto yaml = run(defs, s::RunConfig::from_yaml("ops:\n  scaled:\n    config:\n      factor: 10\n      unit: km\n"));
  ASSERT_TRUE(yaml.success()) << yaml.failure_message();
  EXPECT_EQ(yaml.asset_value<Scaled>(s::AssetKey("scaled")), Scaled("scaled in km", {10, 20, 30}));
  auto json = run(defs, s::RunConfig::from_json(R"({"ops": {"scaled": {"config": {"label": "x3", "factor": 3}}}})"));
  ASSERT_TRUE(json.success()) << json.failure_message();
  EXPECT_EQ(json.asset_value<Scaled>(s::AssetKey("scaled")), Scaled("x3 in m", {3, 6, 9}));
  // Each run starts from the struct's defaults again.
  EXPECT_EQ(run(defs, s::RunConfig()).asset_value<Scaled>(s::AssetKey("scaled")), Scaled("scaled in m", {2, 4, 6}));
}

TEST(StepConfig, ConfigWithoutContextAndPrefixedAssetStepName) {
  auto report = s::asset("report", {.key_prefix = {"analytics"}},
                         [](const ScaleConfig& config) { return config.label + std::to_string(config.factor); });
  s::Definitions defs({.assets = {report}, .resources = {{"io_manager", s::InMemoryIOManager()}}});
  // The step of asset analytics/report is analytics__report, as in step keys and Dagster.
  auto result = run(defs, s::RunConfig::from_yaml("ops:\n  analytics__report:\n    config: {factor: 7}\n"));
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<std::string>(s::AssetKey({"analytics", "report"})), "scaled7");
  EXPECT_EQ(result.steps().front().key, "analytics__report");
}

TEST(StepConfig, MultiAssetTakesConfig) {
  auto split = s::multi_asset({.name = "split", .outs = {s::out<int64_t>("low"), s::out<int64_t>("high")}},
                              [](s::AssetContext& ctx, const ScaleConfig& config) {
                                ctx.yield_output("low", config.factor);
                                ctx.yield_output("high", config.factor * 100);
                              });
  s::Definitions defs({.assets = {split}, .resources = {{"io_manager", s::InMemoryIOManager()}}});
  auto result = run(defs, s::RunConfig::from_yaml("ops:\n  split:\n    config:\n      factor: 4\n"));
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<int64_t>(s::AssetKey("high")), 400);
}

TEST(StepConfig, OpsInAJobAreConfiguredPerStepKey) {
  auto make = s::op("make", [](const ScaleConfig& config) { return config.factor; });
  auto add = s::op("add", {.ins = {"a"}},
                   [](s::OpContext&, const ScaleConfig& config, int64_t a) { return a + config.factor; });
  auto job = s::job("math", [&] { add(add(make())); }, {.resources = {{"io_manager", s::InMemoryIOManager()}}});
  auto config = s::RunConfig::from_yaml(
      "ops:\n  make: {config: {factor: 1}}\n  add: {config: {factor: 10}}\n  add_2: {config: {factor: 100}}\n");
  auto result = s::execute_in_process(job, {.run_config = config});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.output_value<int64_t>("add"), 11);
  EXPECT_EQ(result.output_value<int64_t>("add_2"), 111);
  // Defaults where the run config says nothing.
  auto defaults = s::execute_in_process(job);
  ASSERT_TRUE(defaults.success()) << defaults.failure_message();
  EXPECT_EQ(defaults.output_value<int64_t>("add_2"), 6);
}

TEST(StepConfig, BadConfigIsRefusedBeforeAnythingRunsOrIsRecorded) {
  s::testing::TempDir home("strata-step-config");
  auto instance = s::Instance::open(home.path());
  auto defs = scaled_defs();
  auto error = [&](const std::string& yaml) {
    return error_of([&] { run(defs, s::RunConfig::from_yaml(yaml), instance); });
  };
  std::string unknown_op = error("ops:\n  scalde:\n    config: {factor: 3}\n");
  EXPECT_TRUE(contains(unknown_op, "configures op 'scalde', which is not a step of this run; did you mean 'scaled'?"))
      << unknown_op;
  std::string unknown_field = error("ops:\n  scaled:\n    config: {factr: 3}\n");
  EXPECT_TRUE(contains(unknown_field,
                       "asset 'scaled': unknown config field 'factr' (fields: factor, label, unit); "
                       "did you mean 'factor'?"))
      << unknown_field;
  std::string wrong_type = error("ops:\n  scaled:\n    config: {factor: lots}\n");
  EXPECT_TRUE(contains(wrong_type, "asset 'scaled': config field 'factor' expects int, got string")) << wrong_type;
  std::string takes_none = error("ops:\n  numbers:\n    config: {factor: 3}\n");
  EXPECT_TRUE(contains(takes_none, "asset 'numbers' (ops.numbers.config), whose function takes no config"))
      << takes_none;
  std::string other_entry = error("ops:\n  scaled:\n    inputs: {numbers: 1}\n");
  EXPECT_TRUE(contains(other_entry, "ops.scaled: unknown entry 'inputs'")) << other_entry;
  for (const auto& message : {unknown_op, unknown_field, wrong_type, takes_none, other_entry}) {
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  EXPECT_TRUE(instance->storage().runs({}).empty());
}

TEST(StepConfig, RequiredFieldMustBeGivenAndEnvVarIsResolvedBeforeTheRun) {
  auto fetch = s::asset("fetch", [](const FetchConfig& config) {
    return config.endpoint.value() + "?limit=" + std::to_string(config.limit.value_or(-1));
  });
  s::Definitions defs({.assets = {fetch}, .resources = {{"io_manager", s::InMemoryIOManager()}}});
  std::string missing = error_of([&] { run(defs, s::RunConfig()); });
  EXPECT_TRUE(contains(missing,
                       "asset 'fetch': required config field 'endpoint' (string) is not set; give it in "
                       "run config at ops.fetch.config.endpoint"))
      << missing;
  auto given = run(defs, s::RunConfig::from_yaml("ops:\n  fetch:\n    config: {endpoint: http://x, limit: 5}\n"));
  ASSERT_TRUE(given.success()) << given.failure_message();
  EXPECT_EQ(given.asset_value<std::string>(s::AssetKey("fetch")), "http://x?limit=5");

  ::unsetenv("STRATA_TEST_STEP_ENDPOINT");
  auto from_env = s::RunConfig::from_yaml("ops:\n  fetch:\n    config: {endpoint: {env: STRATA_TEST_STEP_ENDPOINT}}\n");
  std::string unset = error_of([&] { run(defs, from_env); });
  EXPECT_TRUE(contains(unset,
                       "field 'fetch.endpoint' reads environment variable STRATA_TEST_STEP_ENDPOINT, which "
                       "is not set"))
      << unset;
  ::setenv("STRATA_TEST_STEP_ENDPOINT", "http://from-env", 1);
  auto resolved = run(defs, from_env);
  ::unsetenv("STRATA_TEST_STEP_ENDPOINT");
  ASSERT_TRUE(resolved.success()) << resolved.failure_message();
  EXPECT_EQ(resolved.asset_value<std::string>(s::AssetKey("fetch")), "http://from-env?limit=-1");
}

struct SignedConfig {
  s::Setting<std::string> session = s::EnvVar{"STRATA_TEST_STEP_SESSION"};
  std::string password = "in-code-password";
  std::string dsn = "postgres://app:pw-in-url@db/main";
  int64_t retries = 3;
  STRATA_CONFIG_FIELDS(session, password, dsn, retries)
};

TEST(StepConfig, StoredRunConfigRecordsEveryStepsConfigWithSecretsMasked) {
  s::testing::TempDir home("strata-step-config-secrets");
  auto instance = s::Instance::open(home.path());
  auto fetch = s::asset("fetch", [](const FetchConfig& config) { return config.api_key.value().size(); });
  auto sign = s::asset("sign", [](const SignedConfig& config) { return config.session.value(); });
  s::Definitions defs({.assets = {fetch, sign}, .resources = {{"io_manager", s::InMemoryIOManager()}}});
  ::setenv("STRATA_TEST_STEP_SESSION", "session-from-env", 1);
  auto result =
      run(defs, s::RunConfig::from_yaml("ops:\n  fetch:\n    config: {endpoint: http://x, api_key: hunter2-secret}\n"),
          instance);
  ::unsetenv("STRATA_TEST_STEP_SESSION");
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<size_t>(s::AssetKey("fetch")), std::string("hunter2-secret").size());
  EXPECT_EQ(result.asset_value<std::string>(s::AssetKey("sign")), "session-from-env");
  auto runs = instance->storage().runs({});
  ASSERT_EQ(runs.size(), 1u);
  const std::string& text = runs.front().run_config;
  for (const char* secret : {"hunter2", "session-from-env", "in-code-password", "pw-in-url"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << "\n" << text;
  }
  auto stored = nlohmann::json::parse(text);
  // Given values, and the defaults of what the run config left out.
  EXPECT_EQ(stored["ops"]["fetch"]["config"],
            nlohmann::json({{"endpoint", "http://x"}, {"api_key", "***"}, {"limit", nullptr}}));
  EXPECT_EQ(stored["ops"]["sign"]["config"], nlohmann::json({{"session", {{"env", "STRATA_TEST_STEP_SESSION"}}},
                                                             {"password", "***"},
                                                             {"dsn", "postgres://app:***@db/main"},
                                                             {"retries", 3}}));
}

TEST(StepConfig, SchemaDescribesFieldsTypesAndDefaults) {
  auto fetch = s::asset("fetch", [](const FetchConfig& config) { return config.endpoint.value(); });
  const auto& schema = fetch.node().config;
  ASSERT_NE(schema, nullptr);
  auto fields = schema->fields();
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].name, "endpoint");
  EXPECT_EQ(fields[0].type, "string");
  EXPECT_TRUE(fields[0].required);
  EXPECT_EQ(fields[0].default_value, "(required)");
  EXPECT_EQ(fields[1].default_value, "***");
  EXPECT_TRUE(fields[1].secret);
  EXPECT_EQ(fields[2].type, "optional int");
  EXPECT_EQ(fields[2].default_value, "null");
  EXPECT_EQ(numbers().node().config, nullptr);
}

TEST(StepConfig, BackfillRefusesBadConfigBeforeRecordingIt) {
  s::testing::TempDir home("strata-step-config-backfill");
  auto instance = s::Instance::open(home.path());
  auto daily = s::asset("daily", {.partitions = s::static_partitions({"a", "b"})},
                        [](s::AssetContext& ctx, const ScaleConfig& config) {
                          return ctx.partition_key() + std::to_string(config.factor);
                        });
  s::Definitions defs({.assets = {daily}, .resources = {{"io_manager", s::InMemoryIOManager()}}});
  auto plan = s::plan_backfill(defs, s::AssetSelection::all(), {"a", "b"}, &instance->storage());
  std::string message = error_of([&] {
    s::launch_backfill(defs, plan,
                       {.instance = instance, .run_config = s::RunConfig::from_yaml("ops: {daily: {config: {f: 1}}}")});
  });
  EXPECT_TRUE(contains(message, "unknown config field 'f'")) << message;
  EXPECT_TRUE(instance->storage().runs({}).empty());
  EXPECT_TRUE(instance->storage().backfills().empty());
  auto done = s::launch_backfill(
      defs, plan, {.instance = instance, .run_config = s::RunConfig::from_yaml("ops: {daily: {config: {factor: 5}}}")});
  ASSERT_TRUE(done.success());
  EXPECT_EQ(done.runs.front().asset_value<std::string>(s::AssetKey("daily")).back(), '5');
}

}  // namespace
