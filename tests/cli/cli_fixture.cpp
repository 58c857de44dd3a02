#include "cli_fixture.hpp"

#include <chrono>
#include <cstdlib>
#include <numeric>
#include <sstream>
#include <thread>

#include "strata/cli/run_cli.hpp"
#include "strata/strata.hpp"

namespace strata::testing {
namespace {

struct Settings : Resource {
  int64_t factor = 2;
  STRATA_CONFIG_FIELDS(factor)
};

}  // namespace

Definitions cli_test_definitions(const FixtureOptions& options) {
  std::vector<AssetsDefinition> assets;
  assets.push_back(asset("numbers", {.group = "math", .description = "The numbers 1 to 3"}, [] {
    return std::vector<int64_t>{1, 2, 3};
  }));
  assets.push_back(asset("doubled", {.ins = {"numbers"}, .group = "math", .required_resource_keys = {"settings"}},
                         [](AssetContext& ctx, const std::vector<int64_t>& numbers) {
                           int64_t factor = ctx.resources().get<Settings>("settings").factor;
                           std::vector<int64_t> out;
                           for (int64_t n : numbers) out.push_back(n * factor);
                           ctx.log().info("multiplied by " + std::to_string(factor));
                           return out;
                         }));
  assets.push_back(
      asset("total", {.ins = {"doubled"}, .group = "math"}, [](AssetContext& ctx, const std::vector<int64_t>& doubled) {
        int64_t sum = std::accumulate(doubled.begin(), doubled.end(), int64_t{0});
        ctx.add_output_metadata({{"sum", sum}, {"note", markdown("# Total\n\nsum of doubled")}});
        return sum;
      }));
  assets.push_back(asset("words", {.group = "text"}, [] { return std::string("hello world"); }));
  if (options.with_failure) {
    assets.push_back(asset("broken", {.ins = {"numbers"}, .group = "math"},
                           [](const std::vector<int64_t>&) -> int64_t { throw std::runtime_error("boom in broken"); }));
  }
  if (options.with_partitions) {
    assets.push_back(asset("events",
                           {.group = "parts",
                            .partitions = daily_partitions("2024-01-01"),
                            .backfill_policy = BackfillPolicy::multi_run(2)},
                           [](AssetContext& ctx) {  // nothing stored: runs may cover several partitions
                             ctx.log().info(std::to_string(ctx.asset_partition_keys().size()) + " partition(s)");
                           }));
    assets.push_back(asset("rollup",
                           {.group = "parts",
                            .partitions = daily_partitions("2024-01-01"),
                            .backfill_policy = BackfillPolicy::single_run()},
                           [](AssetContext& ctx) {
                             ctx.log().info(std::to_string(ctx.asset_partition_keys().size()) + " partition(s)");
                           }));
    assets.push_back(asset("regions", {.group = "parts", .partitions = static_partitions({"eu", "us", "apac"})},
                           [](AssetContext& ctx) { return ctx.partition_key(); }));
    assets.push_back(asset(
        "readings", {.group = "parts", .partitions = static_partitions({"north", "south"})},
        [](AssetContext& ctx) -> int64_t { throw std::runtime_error("sensor " + ctx.partition_key() + " offline"); }));
  }
  if (options.with_gate) {
    assets.push_back(asset("gate", {.group = "gated"}, [](AssetContext& ctx) {
      const char* gate = std::getenv("STRATA_TEST_GATE");
      ctx.log().info("waiting for the gate file");
      while (gate && !std::filesystem::exists(gate)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return std::string("opened");
    }));
  }

  auto make = op("make", [] { return int64_t{20}; });
  auto add_one = op("add_one", {.ins = {"n"}}, [](int64_t n) { return n + 1; });
  return Definitions({
      .assets = std::move(assets),
      .jobs = {define_asset_job("math_job", AssetSelection::groups({"math"}), {.description = "The math group"}),
               job("ops_job", [&] { add_one(make()); })},
      .schedules = {{.name = "math_schedule", .job_name = "math_job", .cron_schedule = "0 * * * *"}},
      .resources = {{"io_manager", FilesystemIOManager({.base_dir = options.data_dir.string()})},
                    {"settings", Settings{}}},
  });
}

CliOutcome run_cli_in_process(const Definitions& defs, const std::filesystem::path& home, std::vector<std::string> args,
                              bool terminal, const std::string& input, bool input_terminal) {
  args.insert(args.begin(), "strata-test");
  args.push_back("--home");
  args.push_back(home.string());
  std::istringstream in(input);
  std::ostringstream out, err;
  CliOutcome outcome;
  outcome.exit_code = run_cli(defs, args, CliStreams{in, out, err, terminal, input_terminal});
  outcome.out = out.str();
  outcome.err = err.str();
  return outcome;
}

}  // namespace strata::testing
