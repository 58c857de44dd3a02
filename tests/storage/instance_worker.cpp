// A separate process for the instance tests:
//   strata_instance_worker run <home> <runs> <chain>   materialize a <chain>-asset chain <runs> times
//   strata_instance_worker hang <home>                 start a run whose step never returns
//   strata_instance_worker inspect <home> [<max file bytes>]
//                                                      with writes past that size failing (RLIMIT_FSIZE,
//                                                      SIGXFSZ ignored): open the instance, print what a
//                                                      read-only command reads, try to record a run
//   strata_instance_worker reap <home> <gate>          open the instance, print "ready", wait until the
//                                                      FIFO <gate> has a writer, reap dead runs, print
//                                                      "reaped <count>"
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
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

int inspect(const std::string& home, long long max_file_bytes) {
  if (max_file_bytes > 0) {
    std::signal(SIGXFSZ, SIG_IGN);  // a write past the limit then fails with EFBIG instead of killing
    rlimit limit{static_cast<rlim_t>(max_file_bytes), static_cast<rlim_t>(max_file_bytes)};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return 3;
  }
  try {
    auto instance = s::Instance::open(home);
    s::Storage& storage = instance->storage();
    auto runs = storage.runs({});
    std::cout << "runs " << runs.size() << std::endl;
    if (!runs.empty()) std::cout << "events " << storage.events_for_run(runs.front().run_id).size() << std::endl;
    std::string keys;
    for (const auto& key : storage.asset_keys()) keys += (keys.empty() ? "" : ",") + key.to_string();
    std::cout << "assets " << keys << std::endl;
    if (auto latest = storage.latest_materialization(s::AssetKey{"a"})) {
      std::cout << "latest " << latest->event.run_id << std::endl;
    }
  } catch (const std::exception& e) {
    std::cout << "read failed: " << e.what() << std::endl;
    return 1;
  }
  try {
    auto instance = s::Instance::open(home);
    instance->storage().add_run({.run_id = "written", .job_name = "job", .create_time_us = s::now_unix_us()});
    std::cout << "write ok" << std::endl;
  } catch (const std::exception& e) {
    std::cout << "write failed: " << e.what() << std::endl;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr
        << "usage: strata_instance_worker run <home> <runs> <chain> | hang <home> | inspect <home> [<bytes>] | reap "
           "<home> <gate>\n";
    return 2;
  }
  std::string mode = argv[1];
  if (mode == "inspect") return inspect(argv[2], argc == 4 ? std::stoll(argv[3]) : 0);
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
