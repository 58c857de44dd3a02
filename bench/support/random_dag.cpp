#include "random_dag.hpp"

#include <random>

namespace strata::bench {

std::string dag_asset_name(int i) { return "a" + std::to_string(i); }

std::vector<AssetsDefinition> random_dag(int n) {
  std::mt19937 rng(42);
  std::vector<AssetsDefinition> assets;
  assets.reserve(static_cast<size_t>(n));
  assets.push_back(asset(dag_asset_name(0), [] { return int64_t{0}; }));
  assets.push_back(asset(dag_asset_name(1), [] { return int64_t{0}; }));
  for (int i = 2; i < n; ++i) {
    std::uniform_int_distribution<int> pick(0, i - 1);
    int x = pick(rng);
    int y = pick(rng);
    if (y == x) y = (x + 1) % i;
    assets.push_back(asset(dag_asset_name(i),
                           {.ins = {AssetIn{.name = "x", .key = AssetKey(dag_asset_name(x))},
                                    AssetIn{.name = "y", .key = AssetKey(dag_asset_name(y))}}},
                           [](int64_t a, int64_t b) { return a + b; }));
  }
  return assets;
}

}  // namespace strata::bench
