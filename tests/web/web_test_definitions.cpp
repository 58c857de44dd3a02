#include "web_test_definitions.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace strata::testing {
namespace {

struct Vault : Resource {
  Setting<std::string> session = EnvVar{"STRATA_WEB_TEST_SESSION"};
  Secret<std::string> signing = "signing-code";
  std::string region = "eu";
  STRATA_CONFIG_FIELDS(session, signing, region)
};

}  // namespace

Definitions web_test_definitions() {
  auto numbers =
      asset("numbers", {.group = "demo", .description = kHostileText, .required_resource_keys = {"vault"}},
            [](AssetContext& ctx) {
              ctx.add_output_metadata(
                  {{"row_count", 3},
                   {"score", 0.5},
                   {"note", kHostileText},
                   {"chart", markdown(std::string("# Chart\n") + kHostileText + "\n![bars](" + kTinyPngDataUrl + ")")},
                   {"link", url_metadata("javascript:alert(3)")}});
              return std::vector<int64_t>{1, 2, 3};
            });
  auto total = asset("total", {.ins = {"numbers"}, .group = "demo"},
                     [](const std::vector<int64_t>& v) { return v[0] + v[1] + v[2]; });
  auto gated = asset("gated", {.ins = {"total"}, .group = "demo"}, [](AssetContext& ctx, int64_t sum) {
    ctx.log().info("gated: waiting for the gate");
    const char* gate = std::getenv("STRATA_WEB_TEST_GATE");
    while (gate && !std::filesystem::exists(gate) && !ctx.is_canceled()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return sum;
  });
  auto failing = asset("failing", {.ins = {"numbers"}, .group = "other"}, [](const std::vector<int64_t>&) -> int64_t {
    throw std::runtime_error("failing: this asset always fails");
  });
  auto hourly = asset("hourly", {.partitions = hourly_partitions("2024-01-01-00:00", {.end = "2024-01-03-00:00"})},
                      [](AssetContext& ctx) { return ctx.partition_key(); });
  auto decade = asset("decade", {.partitions = hourly_partitions("2014-01-01-00:00", {.end = "2024-01-01-00:00"})},
                      [](AssetContext& ctx) { return ctx.partition_key(); });
  // A schedule that never comes due in a test (noon on January 1st) and a sensor that only skips:
  // what the schedules-and-sensors endpoints and `dev` show.
  ScheduleDefinition yearly{
      .name = "demo_yearly", .job_name = "demo_job", .cron_schedule = "0 12 1 1 *", .timezone = "Europe/Berlin"};
  yearly.default_status = InstigatorStatus::kRunning;
  auto quiet = sensor("demo_quiet", {.job_name = "demo_job", .minimum_interval = std::chrono::seconds(1)},
                      [](const SensorContext&) { return TickResult::skip("nothing new"); });
  return Definitions({.assets = {numbers, total, gated, failing, hourly, decade},
                      .jobs = {define_asset_job("demo_job", AssetSelection::groups({"demo"}))},
                      .schedules = {yearly},
                      .sensors = {quiet},
                      .resources = {{"vault", Vault()}}});
}

}  // namespace strata::testing
