// `asset value KEY [--partition K]`: the latest stored value of an asset as JSON, loaded through its
// I/O manager (whatever format it stored), escaped for the terminal; every bad request one error
// line and one hint, exit 2.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_test_base.hpp"
#include "strata/strata.hpp"

namespace s = strata;
using strata::testing::CliTest;

namespace weather {
struct Reading {
  std::string station;
  double celsius = 0;
  std::optional<std::vector<int>> flags;
};
STRATA_SERIALIZABLE(Reading, station, celsius, flags)
}  // namespace weather

namespace {

class AssetValueTest : public CliTest {
 protected:
  s::Definitions value_defs(const std::string& format = "binary") {
    std::vector<s::AssetsDefinition> assets;
    assets.push_back(s::asset("numbers", [] { return std::vector<int64_t>{1, 2, 3}; }));
    assets.push_back(s::asset("weather/reading", [] { return weather::Reading{"north", -3.5, std::nullopt}; }));
    assets.push_back(s::asset("by_name", [] { return std::map<std::string, std::optional<double>>{{"a", 1.5}}; }));
    // Text a terminal would act on: a title-setting escape and a bidirectional override.
    assets.push_back(s::asset("hostile", [] { return std::string("\x1b]0;owned\x07 \u202Eevil"); }));
    assets.push_back(s::asset("regions", {.partitions = s::static_partitions({"eu", "us", "apac"})},
                              [](s::AssetContext& ctx) { return "region " + ctx.partition_key(); }));
    assets.push_back(s::asset("never", [] { return 1; }));
    return s::Definitions({.assets = assets,
                           .resources = {{"io_manager", s::FilesystemIOManager({.base_dir = (dir_ / "data").string(),
                                                                                .format = format})}}});
  }
  void materialize(const s::Definitions& d, const std::string& select, const std::string& partition = "") {
    std::vector<std::string> args = {"materialize", "--select", select};
    if (!partition.empty()) args.insert(args.end(), {"--partition", partition});
    auto outcome = cli(d, args);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.out << outcome.err;
  }
};

TEST_F(AssetValueTest, PrintsTheLatestValueAsJson) {
  for (std::string format : {"binary", "json"}) {
    auto d = value_defs(format);
    materialize(d, "numbers,weather/reading,by_name");
    auto numbers = cli(d, {"asset", "value", "numbers"});
    EXPECT_EQ(numbers.exit_code, 0) << numbers.err;
    EXPECT_EQ(nlohmann::json::parse(numbers.out), nlohmann::json({1, 2, 3})) << format;
    auto reading = cli(d, {"asset", "value", "weather/reading"});
    EXPECT_EQ(reading.exit_code, 0) << reading.err;
    EXPECT_EQ(nlohmann::json::parse(reading.out),
              nlohmann::json::parse(R"({"station":"north","celsius":-3.5,"flags":null})"))
        << reading.out;
    EXPECT_NE(reading.out.find("\n  \"celsius\": -3.5,"), std::string::npos) << reading.out;  // indented
    auto by_name = cli(d, {"asset", "value", "by_name"});
    EXPECT_EQ(nlohmann::json::parse(by_name.out), nlohmann::json::parse(R"({"a":1.5})"));
  }
}

TEST_F(AssetValueTest, PartitionsAreNamedWithPartition) {
  auto d = value_defs();
  materialize(d, "regions", "eu");
  auto eu = cli(d, {"asset", "value", "regions", "--partition", "eu"});
  EXPECT_EQ(eu.exit_code, 0) << eu.err;
  EXPECT_EQ(eu.out, "\"region eu\"\n");
  expect_usage_error(d, {"asset", "value", "regions"}, "asset 'regions' is partitioned; name the partition");
  expect_usage_error(d, {"asset", "value", "regions", "--partition", "uss"},
                     "asset 'regions' has no partition 'uss'; did you mean 'us'?");
  expect_usage_error(d, {"asset", "value", "regions", "--partition", "us"},
                     "asset 'regions' partition 'us' was never materialized");
  expect_usage_error(d, {"asset", "value", "numbers", "--partition", "eu"}, "asset 'numbers' is not partitioned");
}

TEST_F(AssetValueTest, UnknownAndNeverMaterializedAssetsAreUsageErrors) {
  auto d = value_defs();
  materialize(d, "numbers");
  expect_usage_error(d, {"asset", "value", "numbrs"}, "unknown asset 'numbrs'; did you mean 'numbers'?");
  auto never = expect_usage_error(d, {"asset", "value", "never"}, "asset 'never' was never materialized");
  EXPECT_NE(never.err.find("materialize --select never"), std::string::npos) << never.err;
}

TEST_F(AssetValueTest, StoredTextCannotActOnTheTerminal) {
  auto d = value_defs();
  materialize(d, "hostile");
  auto hostile = cli(d, {"asset", "value", "hostile"});
  EXPECT_EQ(hostile.exit_code, 0) << hostile.err;
  EXPECT_EQ(hostile.out.find('\x1b'), std::string::npos) << hostile.out;
  EXPECT_EQ(hostile.out.find("\u202E"), std::string::npos) << hostile.out;
  EXPECT_NE(hostile.out.find("\\u001b]0;owned\\u0007"), std::string::npos) << hostile.out;  // JSON's escapes
  EXPECT_NE(hostile.out.find("\\xe2\\x80\\xae"), std::string::npos) << hostile.out;         // the terminal's
}

TEST_F(AssetValueTest, ADamagedObjectIsAnErrorNamingIt) {
  auto d = value_defs();
  materialize(d, "numbers");
  std::filesystem::resize_file(dir_ / "data" / "numbers", 10);
  auto damaged = cli(d, {"asset", "value", "numbers"});
  EXPECT_EQ(damaged.exit_code, 3);
  EXPECT_NE(damaged.err.find("error[storage_error]: asset 'numbers': corrupted stored object"), std::string::npos)
      << damaged.err;
}

TEST_F(AssetValueTest, HelpDescribesTheCommand) {
  auto help = cli(value_defs(), {"asset", "value", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--partition"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("latest stored value"), std::string::npos) << help.out;
}

}  // namespace
