#include "daemon_fixture.hpp"

#include <chrono>
#include <cstdlib>

#include "strata/strata.hpp"

namespace strata::testing {

Definitions daemon_test_definitions(const std::filesystem::path& data_dir) {
  std::vector<AssetsDefinition> assets;
  assets.push_back(asset("days", {.partitions = daily_partitions("2024-01-01")}, [](AssetContext& ctx) {
    const char* gate = std::getenv("STRATA_TEST_GATE");
    if (gate && *gate) ctx.log().info("waiting for the gate file");
    while (gate && *gate && !std::filesystem::exists(gate)) {
      if (ctx.wait_unless_canceled(std::chrono::milliseconds(5))) ctx.check_canceled();
    }
    const char* fail = std::getenv("STRATA_TEST_FAIL");
    if (fail && ctx.partition_key() == fail) throw std::runtime_error("day " + ctx.partition_key() + " failed");
    return ctx.partition_key();
  }));
  assets.push_back(asset("customers", {.partitions = dynamic_partitions("customers")},
                         [](AssetContext& ctx) { return ctx.partition_key(); }));
  assets.push_back(asset("plain", [] { return int64_t{1}; }));
  return Definitions(
      {.assets = std::move(assets), .resources = {{"io_manager", FilesystemIOManager({.base_dir = data_dir})}}});
}

}  // namespace strata::testing
