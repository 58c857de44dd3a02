// Resources: typed config fields from code, EnvVar (resolved at run start, never shown), run config
// (YAML or JSON), per-run set-up and tear-down.
#include <gtest/gtest.h>

#include <strata/strata.hpp>

namespace s = strata;

namespace {

struct ApiClient : s::Resource {
  std::string base_url = "http://127.0.0.1:1";
  s::Setting<std::string> token = s::EnvVar{"STRATA_TEST_SECRET_TOKEN"};
  int64_t retries = 3;
  std::vector<std::string> tags;
  STRATA_CONFIG_FIELDS(base_url, token, retries, tags)

  std::shared_ptr<std::vector<std::string>> journal = std::make_shared<std::vector<std::string>>();
  void setup(s::InitContext& context) override { journal->push_back("setup " + context.resource_key); }
  void teardown() override { journal->push_back("teardown"); }
};

struct ScopedEnv {
  std::string name;
  ScopedEnv(std::string n, const char* value) : name(std::move(n)) { ::setenv(name.c_str(), value, 1); }
  ~ScopedEnv() { ::unsetenv(name.c_str()); }
};

s::AssetsDefinition asset_using_client(std::shared_ptr<std::string> seen) {
  return s::asset("calls", {.required_resource_keys = {"api"}}, [seen](s::AssetContext& ctx) {
    const auto& api = ctx.resources().get<ApiClient>("api");
    *seen = api.base_url + " " + api.token.value() + " " + std::to_string(api.retries);
    return 1;
  });
}

bool any_event_mentions(const s::RunResult& result, const std::string& text) {
  for (const auto& event : result.events()) {
    if (event.message.find(text) != std::string::npos) return true;
    for (const auto& entry : event.metadata) {
      if (entry.value.to_display_string().find(text) != std::string::npos) return true;
    }
  }
  return false;
}

TEST(Resources, EnvVarResolvedAtRunStartAndNeverShown) {
  ScopedEnv env("STRATA_TEST_SECRET_TOKEN", "s3cr3t-value");
  auto seen = std::make_shared<std::string>();
  ApiClient client;
  s::Definitions defs(
      {.assets = {asset_using_client(seen)}, .resources = {{"api", client}, {"io_manager", s::InMemoryIOManager()}}});
  auto result = s::materialize(defs, s::AssetSelection::all());
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(*seen, "http://127.0.0.1:1 s3cr3t-value 3");
  EXPECT_FALSE(any_event_mentions(result, "s3cr3t-value"));
  // Listing the resource shows where the secret comes from, not the secret.
  auto described = defs.resources().at("api").describe();
  ASSERT_EQ(described.size(), 4u);
  EXPECT_EQ(described[1], (std::pair<std::string, std::string>{"token", "EnvVar(STRATA_TEST_SECRET_TOKEN)"}));
}

TEST(Resources, UnsetEnvVarFailsTheRunNamingFieldAndVariable) {
  ::unsetenv("STRATA_TEST_SECRET_TOKEN");
  auto seen = std::make_shared<std::string>();
  auto result = s::materialize({asset_using_client(seen)},
                               {.resources = {{"api", ApiClient()}, {"io_manager", s::InMemoryIOManager()}}});
  EXPECT_FALSE(result.success());
  EXPECT_NE(result.failure_message().find("field 'api.token' reads environment variable STRATA_TEST_SECRET_TOKEN, "
                                          "which is not set"),
            std::string::npos)
      << result.failure_message();
  EXPECT_EQ(result.step("calls").status, s::StepStatus::kNotStarted);
}

TEST(Resources, RunConfigOverridesFieldsForOneRun) {
  ScopedEnv env("STRATA_TEST_SECRET_TOKEN", "t");
  auto seen = std::make_shared<std::string>();
  s::Definitions defs({.assets = {asset_using_client(seen)},
                       .resources = {{"api", ApiClient()}, {"io_manager", s::InMemoryIOManager()}}});
  auto yaml = s::RunConfig::from_yaml(
      "resources:\n  api:\n    config:\n      base_url: http://127.0.0.1:2\n      retries: 5\n");
  ASSERT_TRUE(s::materialize(defs, s::AssetSelection::all(), {.run_config = yaml}).success());
  EXPECT_EQ(*seen, "http://127.0.0.1:2 t 5");
  auto json = s::RunConfig::from_json(R"({"resources": {"api": {"config": {"token": "literal", "tags": ["a"]}}}})");
  ASSERT_TRUE(s::materialize(defs, s::AssetSelection::all(), {.run_config = json}).success());
  EXPECT_EQ(*seen, "http://127.0.0.1:1 literal 3");
  // The prototype is untouched: the next run without config uses the code defaults again.
  ASSERT_TRUE(s::materialize(defs, s::AssetSelection::all()).success());
  EXPECT_EQ(*seen, "http://127.0.0.1:1 t 3");
}

TEST(Resources, BadRunConfigNamesResourceAndField) {
  ScopedEnv env("STRATA_TEST_SECRET_TOKEN", "t");
  auto seen = std::make_shared<std::string>();
  s::Definitions defs({.assets = {asset_using_client(seen)},
                       .resources = {{"api", ApiClient()}, {"io_manager", s::InMemoryIOManager()}}});
  auto run = [&](const std::string& yaml) {
    return s::materialize(defs, s::AssetSelection::all(), {.run_config = s::RunConfig::from_yaml(yaml)})
        .failure_message();
  };
  EXPECT_NE(run("resources:\n  api:\n    config:\n      retrys: 5\n")
                .find("resource 'api': unknown config field 'retrys' "
                      "(fields: base_url, token, retries, tags)"),
            std::string::npos);
  EXPECT_NE(run("resources:\n  api:\n    config:\n      retries: many\n")
                .find("resource 'api': config field 'retries' expects int, got string"),
            std::string::npos);
  EXPECT_NE(run("resources:\n  apx:\n    config: {}\n").find("configures resource 'apx', which is not defined"),
            std::string::npos);
  EXPECT_THROW(s::RunConfig::from_yaml("resource:\n  api: {}\n"), s::ConfigError);
  EXPECT_THROW(s::RunConfig::from_yaml("execution:\n  config: {}\n"), s::ConfigError);
  EXPECT_NE(run("resources:\n  api:\n    confg:\n      retries: 5\n").find("resources.api: unknown entry 'confg'"),
            std::string::npos);
  try {
    s::RunConfig::from_yaml("resources: [unclosed\n");
    FAIL();
  } catch (const s::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("line"), std::string::npos) << e.what();
  }
  EXPECT_THROW(s::RunConfig::from_file("/nonexistent/run.yaml"), s::ConfigError);
}

TEST(Resources, SetUpPerRunAndTornDownEvenWhenAStepFails) {
  ScopedEnv env("STRATA_TEST_SECRET_TOKEN", "t");
  auto client = std::make_shared<ApiClient>();
  auto fails =
      s::asset("fails", {.required_resource_keys = {"api"}}, []() -> int { throw std::runtime_error("boom"); });
  s::Definitions defs({.assets = {fails}, .resources = {{"api", client}, {"io_manager", s::InMemoryIOManager()}}});
  EXPECT_FALSE(s::materialize(defs, s::AssetSelection::all()).success());
  EXPECT_FALSE(s::materialize(defs, s::AssetSelection::all()).success());
  EXPECT_EQ(*client->journal, (std::vector<std::string>{"setup api", "teardown", "setup api", "teardown"}));
}

TEST(Resources, ResourceLookupErrorsNameTheKey) {
  auto a = s::asset("a", [](s::AssetContext& ctx) {
    ctx.resources().get<ApiClient>("api");
    return 1;
  });
  auto result = s::materialize({a}, {.resources = {{"io_manager", s::InMemoryIOManager()}}});
  EXPECT_NE(result.step("a").error_message.find("no resource under key 'api'"), std::string::npos)
      << result.step("a").error_message;
}

}  // namespace
