// Eight processes, one instance: each materializes a four-asset chain N times (CI: 25) on SQLite
// and on a real PostgreSQL. Afterwards the instance holds exactly 8 x N runs, all SUCCESS, each
// with exactly the events of one uncontended run (one RUN_START, one RUN_SUCCESS, and per asset one
// STEP_START, STEP_SUCCESS and ASSET_MATERIALIZATION), and exactly 8 x N materializations per asset.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <strata/strata.hpp>
#include <thread>

#include "backend_fixture.hpp"
#include "service_unavailable.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"
#include "torture_env.hpp"

namespace s = strata;
using s::testing::TempDir;

namespace {

const std::string kWorker = STRATA_TORTURE_WORKER;
constexpr int kProcesses = 8;
constexpr int kChain = 4;  // the worker's chain c0..c3

std::map<s::EventType, int> count_types(const std::vector<s::EventRecord>& events) {
  std::map<s::EventType, int> counts;
  for (const auto& record : events) ++counts[record.event.type];
  return counts;
}

// The events of one run of the chain, from an uncontended run on a fresh SQLite instance.
std::vector<s::EventType> reference_run() {
  TempDir home{"strata-torture-reference"};
  auto result = s::testing::run_command({kWorker, "runs", home.path().string(), "1"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  auto instance = s::Instance::open(home.path());
  auto runs = instance->storage().runs({});
  EXPECT_EQ(runs.size(), 1u);
  std::vector<s::EventType> types;
  if (runs.empty()) return types;
  for (const auto& record : instance->storage().events_for_run(runs[0].run_id)) types.push_back(record.event.type);
  return types;
}

void run_eight_processes(const std::string& backend, const std::filesystem::path& home) {
  const int runs_each = static_cast<int>(s::torture::setting("STRATA_TORTURE_RUNS", 25));
  std::vector<s::EventType> reference = reference_run();
  auto expected = count_types([&] {
    std::vector<s::EventRecord> records;
    for (auto type : reference) records.push_back({.id = 0, .event = {.type = type}});
    return records;
  }());
  ASSERT_EQ(expected[s::EventType::kRunStart], 1);
  ASSERT_EQ(expected[s::EventType::kRunSuccess], 1);
  ASSERT_EQ(expected[s::EventType::kStepStart], kChain);
  ASSERT_EQ(expected[s::EventType::kStepSuccess], kChain);
  ASSERT_EQ(expected[s::EventType::kMaterialization], kChain);

  std::vector<std::thread> threads;
  std::vector<s::testing::CommandResult> results(kProcesses);
  for (int p = 0; p < kProcesses; ++p) {
    threads.emplace_back([&, p] {
      results[static_cast<size_t>(p)] =
          s::testing::run_command({kWorker, "runs", home.string(), std::to_string(runs_each)});
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) ASSERT_EQ(result.exit_code, 0) << result.output;

  auto instance = s::Instance::open(home);
  s::Storage& storage = instance->storage();
  const size_t total = static_cast<size_t>(kProcesses * runs_each);
  auto runs = storage.runs({.limit = static_cast<int>(total) + 100});
  EXPECT_EQ(runs.size(), total);
  int64_t events = 0;
  int bad_runs = 0;
  for (const auto& run : runs) {
    EXPECT_EQ(run.status, s::RunStatus::kSuccess) << run.run_id;
    auto records = storage.events_for_run(run.run_id);
    events += static_cast<int64_t>(records.size());
    bool ok = records.size() == reference.size() && count_types(records) == expected;
    for (size_t i = 1; i < records.size(); ++i) ok = ok && records[i].id > records[i - 1].id;
    if (!ok && ++bad_runs <= 3) {
      ADD_FAILURE() << "run " << run.run_id << " has " << records.size() << " events, expected " << reference.size();
    }
  }
  EXPECT_EQ(bad_runs, 0);
  EXPECT_EQ(storage.count_events(), events);
  EXPECT_EQ(events, static_cast<int64_t>(total * reference.size()));
  size_t materializations = 0;
  for (int i = 0; i < kChain; ++i) {
    auto history = storage.materialization_history(s::AssetKey("c" + std::to_string(i)), static_cast<int>(total) + 100);
    EXPECT_EQ(history.size(), total) << "c" << i;
    materializations += history.size();
  }
  std::cout << "TORTURE concurrency backend=" << backend << " processes=" << kProcesses << " runs=" << runs.size()
            << " events=" << events << " materializations=" << materializations << " bad_runs=" << bad_runs
            << std::endl;
}

TEST(Concurrency, EightProcessesOnSqlite) {
  TempDir home{"strata-torture-sqlite"};
  run_eight_processes("sqlite", home.path());
}

TEST(Concurrency, EightProcessesOnPostgres) {
  if (s::testing::shared_postgres() == nullptr) {
    STRATA_SERVICE_UNAVAILABLE("PostgreSQL server binaries are not installed; install Debian's `postgresql` package");
  }
  TempDir home{"strata-torture-postgres"};
  s::testing::configure_postgres_home(home.path());
  run_eight_processes("postgres", home.path());
}

}  // namespace
