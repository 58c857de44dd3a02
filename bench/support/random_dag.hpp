// The random DAG the benchmarks share: `n` assets named a0, a1, ...; asset i (from 2 on) reads two
// random earlier assets (~2n edges), from a fixed seed so that every run builds the same graph.
#pragma once

#include <strata/strata.hpp>
#include <string>
#include <vector>

namespace strata::bench {

std::string dag_asset_name(int i);
std::vector<AssetsDefinition> random_dag(int n);

}  // namespace strata::bench
