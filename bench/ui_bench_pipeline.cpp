// The program the UI benchmarks (ui/tests/bench.mjs, run by bench_ui) serve with its `ui` command:
// 10,000 assets in a random DAG as in the core benchmark (asset i reads two random earlier assets),
// spread over 8 groups, and `hourly`, partitioned by hour over 10 years (87,600 partitions).
#include <random>
#include <strata/cli/run_cli.hpp>
#include <strata/strata.hpp>

namespace s = strata;

namespace {

constexpr int kAssets = 10'000;

std::string name(int i) { return "a" + std::to_string(i); }

}  // namespace

int main(int argc, char** argv) {
  std::mt19937 rng(42);
  std::vector<s::AssetsDefinition> assets;
  assets.reserve(kAssets + 1);
  auto group = [](int i) { return "group_" + std::to_string(i % 8); };
  assets.push_back(s::asset(name(0), {.group = group(0)}, [] { return int64_t{0}; }));
  assets.push_back(s::asset(name(1), {.group = group(1)}, [] { return int64_t{0}; }));
  for (int i = 2; i < kAssets; ++i) {
    std::uniform_int_distribution<int> pick(0, i - 1);
    int x = pick(rng);
    int y = pick(rng);
    if (y == x) y = (x + 1) % i;
    assets.push_back(s::asset(name(i),
                              {.ins = {s::AssetIn{.name = "x", .key = s::AssetKey(name(x))},
                                       s::AssetIn{.name = "y", .key = s::AssetKey(name(y))}},
                               .group = group(i)},
                              [](int64_t a, int64_t b) { return a + b; }));
  }
  // 2015-01-01 plus 3,650 days: 87,600 hourly partitions.
  assets.push_back(s::asset(
      "hourly",
      {.group = "partitioned", .partitions = s::hourly_partitions("2015-01-01-00:00", {.end = "2024-12-29-00:00"})},
      [](s::AssetContext& ctx) { return ctx.partition_key(); }));
  s::Definitions defs({.assets = std::move(assets), .resources = {{"io_manager", s::InMemoryIOManager()}}});
  return s::run_cli(defs, argc, argv);
}
