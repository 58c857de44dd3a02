// The torture suite's separate process (killed with SIGKILL, run eight at a time):
//
//   strata_torture_worker state <manager> <home> <elements>
//       prints what a reader sees now: `state catalog=<C> loaded=<L>` (C: the generation the
//       instance's latest materialization of `payload` records, -1 when none; L: the generation a run
//       of `check` loaded) or `state catalog=<C> error=<one line>` when that run failed
//   strata_torture_worker cycle <manager> <home> <generation> <elements>
//       the same state line, then `writing`, then materializes payload + check for <generation>
//       and prints `written`
//   strata_torture_worker runs <home> <count>
//       materializes a four-asset chain <count> times on the instance; prints `done <successes>`
//
// Exit status: 0 when everything it was asked to do succeeded, 1 otherwise, 2 on bad usage.
#include <iostream>
#include <strata/strata.hpp>

#include "payload.hpp"

namespace s = strata;

namespace {

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

// Prints the state line; returns whether the load succeeded.
bool report_state(const std::string& manager, const std::shared_ptr<s::Instance>& instance, int64_t elements) {
  auto latest = instance->storage().latest_materialization(s::AssetKey("payload"));
  int64_t catalog = -1;
  if (latest && latest->event.metadata.contains("generation")) {
    catalog = latest->event.metadata.at("generation").as_int();
  }
  auto setup = s::torture::torture_definitions(manager, instance->home(), -1, elements);
  auto result = s::materialize(setup.assets, {.resources = setup.resources,
                                              .instance = instance,
                                              .selection = s::AssetSelection::keys({s::AssetKey("check")})});
  if (result.success()) {
    std::cout << "state catalog=" << catalog << " loaded=" << result.asset_value<int64_t>(s::AssetKey("check"))
              << std::endl;
    return true;
  }
  std::cout << "state catalog=" << catalog << " error=" << one_line(result.failure_message()) << std::endl;
  return false;
}

std::vector<s::AssetsDefinition> chain() {
  std::vector<s::AssetsDefinition> assets;
  assets.push_back(s::asset("c0", [](s::AssetContext& ctx) {
    ctx.log().info("chain start");
    return std::vector<int64_t>{1, 2, 3};
  }));
  for (int i = 1; i < 4; ++i) {
    assets.push_back(s::asset("c" + std::to_string(i),
                              {.ins = {s::AssetIn{.name = "prev", .key = s::AssetKey("c" + std::to_string(i - 1))}}},
                              [](std::vector<int64_t> prev) {
                                prev.push_back(static_cast<int64_t>(prev.size()));
                                return prev;
                              }));
  }
  return assets;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 4 && args[0] == "state") {
      auto instance = s::Instance::open(args[2]);
      return report_state(args[1], instance, std::stoll(args[3])) ? 0 : 1;
    }
    if (args.size() == 5 && args[0] == "cycle") {
      auto instance = s::Instance::open(args[2]);
      int64_t elements = std::stoll(args[4]);
      report_state(args[1], instance, elements);
      auto setup = s::torture::torture_definitions(args[1], instance->home(), std::stoll(args[3]), elements);
      std::cout << "writing" << std::endl;
      auto result = s::materialize(setup.assets, {.resources = setup.resources, .instance = instance});
      if (!result.success()) {
        std::cout << "failed " << one_line(result.failure_message()) << std::endl;
        return 1;
      }
      std::cout << "written" << std::endl;
      return 0;
    }
    if (args.size() == 3 && args[0] == "runs") {
      auto instance = s::Instance::open(args[1]);
      int count = std::stoi(args[2]);
      auto assets = chain();
      int ok = 0;
      for (int r = 0; r < count; ++r) {
        ok += s::materialize(assets, {.instance = instance, .max_concurrency = 2}).success() ? 1 : 0;
      }
      std::cout << "done " << ok << std::endl;
      return ok == count ? 0 : 1;
    }
  } catch (const std::exception& e) {
    std::cout << "error " << one_line(e.what()) << std::endl;
    return 1;
  }
  std::cerr << "usage: strata_torture_worker state <manager> <home> <elements> | cycle <manager> <home> <generation> "
               "<elements> | runs <home> <count>\n";
  return 2;
}
