#include "torture_env.hpp"

#include <arrow/util/thread_pool.h>

#include <cstdlib>
#include <iostream>
#include <stdexcept>

namespace strata::torture {
namespace {

// Arrow registers fork handlers when its thread pool starts, in a static that exit() destroys in
// reverse order of construction. The shared PostgreSQL server of the tests (a static too) forks
// pg_ctl when it is destroyed at exit: if Arrow's handlers were set up after the server started,
// they are gone by then and fork() deadlocks on their destroyed mutex. Starting Arrow's pool before
// main keeps its handlers alive until after the server is stopped.
const int kArrowThreadsFirst = arrow::GetCpuThreadPoolCapacity();

}  // namespace

int64_t setting(const char* name, int64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  long long value = std::strtoll(text, &end, 10);
  if (*end != '\0' || value <= 0) {
    throw std::invalid_argument(std::string(name) + "='" + text + "' is not a positive integer");
  }
  return value;
}

std::mt19937_64 seeded_engine(const std::string& what) {
  uint64_t seed = static_cast<uint64_t>(setting("STRATA_TORTURE_SEED", 0));
  if (seed == 0) seed = (static_cast<uint64_t>(std::random_device{}()) << 32) | std::random_device{}();
  std::cout << "TORTURE seed=" << seed << " " << what << std::endl;
  return std::mt19937_64(seed);
}

}  // namespace strata::torture
