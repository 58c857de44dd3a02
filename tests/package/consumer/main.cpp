// The outside project's pipeline: two assets stored by the filesystem I/O manager under ./data, run
// through strata::run_cli (`consumer materialize --select '*'`, `consumer asset value total`).
#include <cstdint>
#include <numeric>
#include <strata/cli/run_cli.hpp>
#include <strata/strata.hpp>
#include <vector>

namespace s = strata;

int main(int argc, char** argv) {
  auto numbers = s::asset("numbers", [] { return std::vector<int64_t>{1, 2, 3, 4}; });
  auto total = s::asset("total", {.ins = {"numbers"}}, [](const std::vector<int64_t>& values) {
    return std::accumulate(values.begin(), values.end(), int64_t{0}) * 1000 + 7;
  });
  s::Definitions defs(
      {.assets = {numbers, total}, .resources = {{"io_manager", s::FilesystemIOManager({.base_dir = "data"})}}});
  return s::run_cli(defs, argc, argv);
}
