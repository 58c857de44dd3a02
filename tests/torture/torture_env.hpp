// How hard the torture suite pushes: bounded defaults for CI, raised by `make torture` through the
// environment (STRATA_TORTURE_KILLS, _RUNS, _LOADS, _SEED; see docs/testing.md).
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace strata::torture {

// The integer in environment variable `name`, or `fallback` when it is unset or empty. Throws
// std::invalid_argument naming the variable when it is not a positive integer.
int64_t setting(const char* name, int64_t fallback);

// A random engine seeded from STRATA_TORTURE_SEED when set, else from std::random_device; the seed
// is printed (`TORTURE seed=<n> <what>`) so that a failure can be replayed.
std::mt19937_64 seeded_engine(const std::string& what);

}  // namespace strata::torture
