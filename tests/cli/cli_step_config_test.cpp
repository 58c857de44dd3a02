// Asset and op config from the command line: `--config FILE` carries ops.<step>.config next to
// resources, bad step config is a usage error (exit 2, one line naming the step and field, nothing
// run), and `asset show` lists an asset's config fields with types and defaults.
#include <gtest/gtest.h>

#include "cli_test_base.hpp"
#include "strata/strata.hpp"

namespace s = strata;

namespace {

struct ReportConfig {
  int64_t limit = 5;
  s::Required<std::string> title;
  s::Secret<std::string> token = "dev-token";
  STRATA_CONFIG_FIELDS(limit, title, token)
};

struct StepConfigCliTest : s::testing::CliTest {
  s::Definitions config_defs() {
    auto numbers = s::asset("numbers", [] { return std::vector<int64_t>{1, 2, 3}; });
    auto report = s::asset("report", {.ins = {"numbers"}, .key_prefix = {"daily"}},
                           [](s::AssetContext& ctx, const ReportConfig& config, const std::vector<int64_t>& values) {
                             ctx.log().info(config.title.value() + " limit=" + std::to_string(config.limit));
                             return static_cast<int64_t>(values.size()) * config.limit;
                           });
    auto make = s::op("make", [](s::OpContext& ctx, const ReportConfig& config) {
      ctx.log().info("make " + config.title.value());
      return config.limit;
    });
    return s::Definitions(
        {.assets = {numbers, report},
         .jobs = {s::job("make_job", [&] { make(); })},
         .resources = {{"io_manager", s::FilesystemIOManager({.base_dir = (dir_ / "data").string()})}}});
  }
  std::string config_file(const std::string& name, const std::string& text) {
    write(name, text);
    return (dir_ / name).string();
  }
};

TEST_F(StepConfigCliTest, ConfigFileCarriesAssetAndOpConfig) {
  auto d = config_defs();
  auto file = config_file("run.yaml", "ops:\n  daily__report:\n    config:\n      title: Weekly\n      limit: 7\n");
  auto outcome = cli(d, {"materialize", "--select", "*", "--config", file});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("Weekly limit=7"), std::string::npos) << outcome.out;
  auto json = config_file("job.json", R"({"ops": {"make": {"config": {"title": "from json"}}}})");
  auto job = cli(d, {"job", "execute", "make_job", "--config", json});
  ASSERT_EQ(job.exit_code, 0) << job.err;
  EXPECT_NE(job.out.find("make from json"), std::string::npos) << job.out;
}

TEST_F(StepConfigCliTest, BadStepConfigIsAUsageErrorAndNothingRuns) {
  auto d = config_defs();
  auto args = [&](const std::string& name, const std::string& text) {
    return std::vector<std::string>{"materialize", "--select", "*", "--config", config_file(name, text)};
  };
  expect_usage_error(d, args("missing.yaml", "ops: {}\n"),
                     "asset 'daily/report': required config field 'title' (string) is not set; give it in run "
                     "config at ops.daily__report.config.title");
  expect_usage_error(d, args("op.yaml", "ops:\n  daily__reprt:\n    config: {title: x}\n"),
                     "configures op 'daily__reprt', which is not a step of this run; did you mean 'daily__report'?");
  expect_usage_error(
      d, args("field.yaml", "ops:\n  daily__report:\n    config: {title: x, limt: 3}\n"),
      "config file '" + (dir_ / "field.yaml").string() + "': asset 'daily/report': unknown config field 'limt'");
  expect_usage_error(d, args("type.yaml", "ops:\n  daily__report:\n    config: {title: x, limit: many}\n"),
                     "config field 'limit' expects int, got string");
  expect_usage_error(d, args("none.yaml", "ops:\n  numbers:\n    config: {limit: 3}\n"), "takes no config parameter");
  expect_usage_error(d, {"job", "execute", "make_job", "--config", config_file("job.yaml", "ops: {make: {}}\n")},
                     "op 'make': required config field 'title'");
}

TEST_F(StepConfigCliTest, AssetShowListsTheConfigSchema) {
  auto d = config_defs();
  auto show = cli(d, {"asset", "show", "daily/report"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("run config: ops.daily__report.config"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("FIELD  TYPE    DEFAULT"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("limit  int     5"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("title  string  (required)"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("token  string  ***"), std::string::npos) << show.out;
  EXPECT_EQ(show.out.find("dev-token"), std::string::npos) << show.out;
  auto plain = cli(d, {"asset", "show", "numbers"});
  EXPECT_EQ(plain.out.find("config ("), std::string::npos) << plain.out;
}

}  // namespace
