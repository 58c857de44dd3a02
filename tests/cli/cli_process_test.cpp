// The command line as a real process: exit codes as the shell sees them, and `logs --follow`
// tailing a run that another process is executing.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "strata/storage/instance.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace s = strata;
using s::testing::run_command;

namespace {

class CliProcessTest : public ::testing::Test {
 protected:
  std::vector<std::string> command(std::vector<std::string> args) {
    args.insert(args.begin(), {STRATA_CLI_TEST_PROGRAM, (dir_ / "data").string()});
    args.push_back("--home");
    args.push_back((dir_ / "home").string());
    return args;
  }
  s::testing::TempDir dir_{"strata-cli-process"};
};

TEST_F(CliProcessTest, ExitCodes) {
  auto ok = run_command(command({"materialize", "--select", "numbers"}));
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  auto failed = run_command(command({"materialize", "--select", "broken"}));
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_NE(failed.output.find("boom in broken"), std::string::npos);
  auto usage = run_command(command({"materialise", "--select", "numbers"}));
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.output.find("error: unknown command 'materialise'; did you mean 'materialize'?"), std::string::npos)
      << usage.output;
}

TEST_F(CliProcessTest, LogsFollowARunGoingOnInAnotherProcess) {
  auto gate = dir_ / "gate";
  s::testing::CommandOptions env{.user = {}, .extra_env = {"STRATA_TEST_GATE=" + gate.string()}};
  s::testing::Child run(command({"materialize", "--select", "gate"}), env);
  run.discard_output();

  // Wait until the run is recorded and its step is inside the gate (a condition, polled).
  std::string run_id;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (run_id.empty() && std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(dir_ / "home" / "history.db")) {
      auto instance = s::Instance::open(dir_ / "home");
      for (const auto& r : instance->storage().runs({})) {
        for (const auto& record : instance->storage().events_for_run(r.run_id)) {
          if (record.event.message == "waiting for the gate file") run_id = r.run_id;
        }
      }
    }
    if (run_id.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_FALSE(run_id.empty()) << "the run never reached the gate";

  s::testing::Child follow(command({"logs", run_id, "--follow"}));
  auto first = follow.read_line();
  ASSERT_TRUE(first.has_value());
  EXPECT_NE(first->find("RUN_START"), std::string::npos) << *first;
  std::ofstream(gate) << "open";  // lets the run finish; --follow must then print the rest and exit
  std::string rest;
  while (auto line = follow.read_line()) rest += *line + "\n";
  EXPECT_EQ(follow.wait(), 0) << rest;
  EXPECT_NE(rest.find("STEP_SUCCESS"), std::string::npos) << rest;
  EXPECT_NE(rest.find("RUN_SUCCESS"), std::string::npos) << rest;
  EXPECT_EQ(run.wait(), 0);
}

}  // namespace
