// CliTest: the GoogleTest fixture of the in-process command-line tests: a temporary directory with
// the instance (home()) and the fixture's data, run_cli in-process, and the checks every kind of bad
// input shares (exit 2, one error line and one hint line, nothing run).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "cli_fixture.hpp"
#include "strata/storage/instance.hpp"
#include "temp_dir.hpp"

namespace strata::testing {

class CliTest : public ::testing::Test {
 protected:
  Definitions defs(bool with_failure = false, bool with_partitions = false) {
    return cli_test_definitions(
        {.data_dir = dir_ / "data", .with_failure = with_failure, .with_partitions = with_partitions});
  }
  std::filesystem::path home() const { return dir_ / "home"; }
  CliOutcome cli(const Definitions& d, std::vector<std::string> args, bool terminal = false) {
    return run_cli_in_process(d, home(), std::move(args), terminal);
  }
  // Steps that succeeded in the newest run.
  std::set<std::string> steps_of_latest_run() {
    auto instance = Instance::open(home());
    auto runs = instance->storage().runs({});
    std::set<std::string> steps;
    if (runs.empty()) return steps;
    for (const auto& record : instance->storage().events_for_run(runs.front().run_id)) {
      if (record.event.type == EventType::kStepSuccess) steps.insert(record.event.step_key);
    }
    return steps;
  }
  size_t run_count() {
    if (!std::filesystem::exists(home())) return 0;
    return Instance::open(home())->storage().runs({}).size();
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  // Bad input: exit 2, one `error[CODE]:` line naming `fragment` and one hint line on stderr, nothing run.
  CliOutcome expect_usage_error(const Definitions& d, std::vector<std::string> args, const std::string& fragment) {
    size_t runs_before = run_count();
    CliOutcome outcome = cli(d, args);
    std::string what = args.empty() ? "" : args[0];
    EXPECT_EQ(outcome.exit_code, 2) << what << "\n" << outcome.out << outcome.err;
    EXPECT_EQ(outcome.err.rfind("error[", 0), 0u) << outcome.err;  // error[CODE]: message
    EXPECT_NE(outcome.err.find(fragment), std::string::npos) << outcome.err;
    EXPECT_NE(outcome.err.find("\nhint: "), std::string::npos) << outcome.err;
    EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 2) << outcome.err;
    EXPECT_EQ(run_count(), runs_before) << "nothing may run on bad input";
    return outcome;
  }

  TempDir dir_{"strata-cli"};
};

}  // namespace strata::testing
