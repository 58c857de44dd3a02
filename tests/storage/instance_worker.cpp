// A separate process for the instance tests:
//   strata_instance_worker run <home> <runs> <chain>   materialize a <chain>-asset chain <runs> times
//   strata_instance_worker hang <home>                 start a run whose step never returns
//   strata_instance_worker reap <home> <gate>          open the instance, print "ready", wait until the
//                                                      FIFO <gate> has a writer, reap dead runs, print
//                                                      "reaped <count>"
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <strata/strata.hpp>

namespace s = strata;

namespace {

std::vector<s::AssetsDefinition> chain(int length) {
  std::vector<s::AssetsDefinition> assets;
  assets.push_back(s::asset("n0", [](s::AssetContext& ctx) {
    ctx.log().info("start");
    return int64_t{0};
  }));
  for (int i = 1; i < length; ++i) {
    assets.push_back(s::asset("n" + std::to_string(i),
                              {.ins = {s::AssetIn{.name = "prev", .key = s::AssetKey("n" + std::to_string(i - 1))}}},
                              [](int64_t prev) { return prev + 1; }));
  }
  return assets;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: strata_instance_worker run <home> <runs> <chain> | hang <home> | reap <home> <gate>\n";
    return 2;
  }
  std::string mode = argv[1];
  auto instance = s::Instance::open(argv[2]);
  if (mode == "run" && argc == 5) {
    int runs = std::stoi(argv[3]);
    int length = std::stoi(argv[4]);
    auto assets = chain(length);
    int ok = 0;
    for (int r = 0; r < runs; ++r) {
      auto result = s::materialize(assets, {.instance = instance, .max_concurrency = 2});
      ok += result.success() ? 1 : 0;
    }
    std::cout << "done " << ok << std::endl;
    return ok == runs ? 0 : 1;
  }
  if (mode == "reap" && argc == 4) {
    std::cout << "ready" << std::endl;
    int gate = ::open(argv[3], O_RDONLY);  // blocks until the test opens the FIFO for writing
    if (gate < 0) return 3;
    size_t reaped = instance->reap_dead_runs().size();
    ::close(gate);
    std::cout << "reaped " << reaped << std::endl;
    return 0;
  }
  if (mode == "hang") {
    auto stuck = s::asset("stuck", [](s::AssetContext& ctx) -> int {
      ctx.log().info("about to hang");
      std::cout << "ready " << ctx.run_id() << std::endl;
      for (;;) ::pause();
    });
    s::materialize({stuck}, {.instance = instance});
    return 1;
  }
  std::cerr << "unknown mode " << mode << "\n";
  return 2;
}
