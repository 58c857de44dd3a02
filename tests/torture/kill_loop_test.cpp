// kill -9 loop: a worker process materializes generation N of a payload of a few MB and is killed
// with SIGKILL after a random delay drawn from its own measured uncontended write time, so kills
// land before, during and after the write. The next process then reads what is there: the catalog
// (the instance's latest materialization of `payload` and its {"generation": N} metadata) and the
// data (a run of `check`, which loads the payload as any downstream asset would and verifies that
// every element belongs to one generation). After every kill:
//   - the catalog holds the last committed generation or the one being written, never older (lost)
//     and never another (wrong);
//   - the data loads, whole (torn or mixed: wrong; a load failure: lost), and is the last committed
//     generation, the one being written or the one loaded before (anything else: wrong);
//   - strict cases: the data is the generation the catalog names (two-phase outputs, see
//     docs/data-safety.md: new data is published only after its materialization is recorded, and a
//     recorded but unpublished file is published when the dead run is reaped).
// The delay is the fault, not synchronisation: the verdict holds wherever the kill lands.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "payload.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"
#include "torture_env.hpp"

namespace s = strata;
using s::testing::Child;
using s::testing::TempDir;

namespace {

const std::string kWorker = STRATA_TORTURE_WORKER;

// Elements of the payload: a few MB, so that a write takes long enough for kills to land inside it.
int64_t payload_elements(const std::string& manager) { return manager == "filesystem" ? 512 * 1024 : 160 * 1000; }

struct State {
  int64_t catalog = -1;
  std::optional<int64_t> loaded;
  std::string error;
};

State parse_state(const std::string& line) {
  State state;
  if (line.rfind("state catalog=", 0) != 0) {
    ADD_FAILURE() << "expected a state line, got: " << line;
    state.error = line;
    return state;
  }
  size_t space = line.find(' ', 14);
  state.catalog = std::stoll(line.substr(14, space - 14));
  std::string rest = line.substr(space + 1);
  if (rest.rfind("loaded=", 0) == 0) {
    state.loaded = std::stoll(rest.substr(7));
  } else {
    state.error = rest;
  }
  return state;
}

enum class Check {
  kAtomic,         // whole values of a committed or attempted generation, nothing lost
  kCatalogAgrees,  // and downstream reads exactly the generation the catalog names
};

// One manager's kill loop on its own temporary STRATA_HOME (removed with the object). run() drives
// the worker processes and reports every violation as a GoogleTest failure.
class KillLoop {
 public:
  KillLoop(std::string manager, Check strictness)
      : manager_(std::move(manager)), elements_(payload_elements(manager_)), strictness_(strictness) {}

  void run() {
    int64_t target = s::torture::setting("STRATA_TORTURE_KILLS", 50);
    auto engine = s::torture::seeded_engine("kill_loop " + manager_);
    // Generation 0 creates everything; generation 1, uncontended, measures how long a write takes.
    ASSERT_NO_FATAL_FAILURE(write_uninterrupted(0));
    auto write_time = write_uninterrupted(1);
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    committed_ = attempted_ = last_loaded_ = 1;
    // Up to 1.25x the write time: most kills land before or during the write, some after it ended.
    std::uniform_int_distribution<int64_t> delay_us(0, write_time.count() * 5 / 4);
    int64_t completed = 0;
    for (int64_t generation = 2; kills_ < target && generation < 20 * target; ++generation) {
      Child child(
          command({"cycle", manager_, home_.path().string(), std::to_string(generation), std::to_string(elements_)}));
      ASSERT_TRUE(check(child.read_line(), "before generation " + std::to_string(generation)));
      auto writing = child.read_line();
      ASSERT_EQ(writing.value_or("<end of output>"), "writing");
      std::this_thread::sleep_for(std::chrono::microseconds(delay_us(engine)));  // the fault
      int status = child.kill_and_wait(SIGKILL);
      if (status == 128 + SIGKILL) {
        ++kills_;
      } else {
        ASSERT_EQ(status, 0) << "generation " << generation << ": the worker failed on its own";
        ++completed;
      }
      attempted_ = generation;
    }
    auto final_state =
        s::testing::run_command(command({"state", manager_, home_.path().string(), std::to_string(elements_)}));
    check(final_state.output.substr(0, final_state.output.find('\n')), "after the last kill");
    std::cout << "TORTURE kill_loop manager=" << manager_ << " kills=" << kills_ << " loads=" << loads_
              << " wrong=" << wrong_ << " lost=" << lost_ << std::endl;
    std::cout << "  (" << completed << " writes finished before their kill; write time " << write_time.count()
              << " us; downstream read a generation the catalog does not name " << disagreements_ << " times)"
              << std::endl;
    EXPECT_GE(kills_, target);
    EXPECT_EQ(wrong_, 0);
    EXPECT_EQ(lost_, 0);
  }

 private:
  std::vector<std::string> command(std::vector<std::string> args) const {
    args.insert(args.begin(), kWorker);
    return args;
  }

  // Runs a cycle to completion; returns the time from `writing` to the process's exit.
  std::chrono::microseconds write_uninterrupted(int64_t generation) {
    Child child(
        command({"cycle", manager_, home_.path().string(), std::to_string(generation), std::to_string(elements_)}));
    std::string output;
    auto start = std::chrono::steady_clock::now();
    while (auto line = child.read_line()) {
      if (*line == "writing") start = std::chrono::steady_clock::now();
      output += *line + "\n";
    }
    auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    EXPECT_EQ(child.wait(), 0) << output;
    EXPECT_NE(output.find("written"), std::string::npos) << output;
    return took;
  }

  // Checks a state line against what was committed and attempted; counts loads, wrong and lost.
  bool check(const std::optional<std::string>& line, const std::string& when) {
    if (!line) {
      ADD_FAILURE() << when << ": the worker printed no state";
      return false;
    }
    State state = parse_state(*line);
    ++loads_;
    if (state.catalog < committed_) {
      ++lost_;
      ADD_FAILURE() << when << ": the catalog went back from generation " << committed_ << " to " << state.catalog;
    } else if (state.catalog != committed_ && state.catalog != attempted_) {
      ++wrong_;
      ADD_FAILURE() << when << ": the catalog names generation " << state.catalog << ", neither the committed "
                    << committed_ << " nor the attempted " << attempted_;
    }
    if (!state.loaded) {
      bool torn = state.error.find("torn payload") != std::string::npos;
      ++(torn ? wrong_ : lost_);
      ADD_FAILURE() << when << ": the catalog names generation " << state.catalog
                    << " but loading gave: " << state.error;
    } else if (*state.loaded != committed_ && *state.loaded != attempted_ && *state.loaded != last_loaded_) {
      ++wrong_;
      ADD_FAILURE() << when << ": downstream loaded generation " << *state.loaded << ", neither the committed "
                    << committed_ << ", the attempted " << attempted_ << " nor the one loaded before, " << last_loaded_;
    } else if (*state.loaded != state.catalog) {
      ++disagreements_;
      if (strictness_ == Check::kCatalogAgrees) {
        ++wrong_;
        ADD_FAILURE() << when << ": downstream loaded generation " << *state.loaded << " but the catalog names "
                      << state.catalog << " (committed " << committed_ << ", attempted " << attempted_ << ")";
      }
    }
    committed_ = std::max(committed_, state.catalog);
    if (state.loaded) last_loaded_ = *state.loaded;
    return true;
  }

  std::string manager_;
  int64_t elements_;
  Check strictness_;
  TempDir home_{"strata-torture-kill"};
  int64_t committed_ = 0;
  int64_t attempted_ = 0;
  int64_t last_loaded_ = -1;
  int64_t kills_ = 0;
  int64_t loads_ = 0;
  int64_t wrong_ = 0;
  int64_t lost_ = 0;
  int64_t disagreements_ = 0;
};

TEST(KillLoop, Filesystem) { KillLoop("filesystem", Check::kAtomic).run(); }
TEST(KillLoop, Parquet) { KillLoop("parquet", Check::kAtomic).run(); }
TEST(KillLoop, Csv) { KillLoop("csv", Check::kAtomic).run(); }
TEST(KillLoop, ArrowIpc) { KillLoop("arrow-ipc", Check::kAtomic).run(); }
TEST(KillLoop, DuckDB) { KillLoop("duckdb", Check::kAtomic).run(); }

// The strict cases: they check everything the ones above do, which can go once these are enabled.
TEST(KillLoop, FilesystemDownstreamReadsTheCatalogsGeneration) { KillLoop("filesystem", Check::kCatalogAgrees).run(); }
TEST(KillLoop, ParquetDownstreamReadsTheCatalogsGeneration) { KillLoop("parquet", Check::kCatalogAgrees).run(); }
TEST(KillLoop, CsvDownstreamReadsTheCatalogsGeneration) { KillLoop("csv", Check::kCatalogAgrees).run(); }
TEST(KillLoop, ArrowIpcDownstreamReadsTheCatalogsGeneration) { KillLoop("arrow-ipc", Check::kCatalogAgrees).run(); }
TEST(KillLoop, DuckDBDownstreamReadsTheCatalogsGeneration) { KillLoop("duckdb", Check::kCatalogAgrees).run(); }

}  // namespace
