// The command line as a real process: exit codes as the shell sees them, and `logs --follow`
// tailing a run that another process is executing.
#include <gtest/gtest.h>
#include <signal.h>

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
  // The id of the run with an event whose message starts with `message` (a condition, polled).
  std::string run_with_event(const std::string& message) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (std::filesystem::exists(dir_ / "home" / "history.db")) {
        auto instance = s::Instance::open(dir_ / "home");
        for (const auto& r : instance->storage().runs({})) {
          for (const auto& record : instance->storage().events_for_run(r.run_id)) {
            if (record.event.message.rfind(message, 0) == 0) return r.run_id;
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return "";
  }
  // The id of the run whose `gate` step is waiting for the gate file.
  std::string run_at_the_gate() { return run_with_event("waiting for the gate file"); }
  std::string rest_of(s::testing::Child& child) {
    std::string text;
    while (auto line = child.read_line()) text += *line + "\n";
    return text;
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
  EXPECT_NE(usage.output.find("error[usage_error]: unknown command 'materialise'; did you mean 'materialize'?"),
            std::string::npos)
      << usage.output;
}

TEST_F(CliProcessTest, LogsFollowARunGoingOnInAnotherProcess) {
  auto gate = dir_ / "gate";
  s::testing::CommandOptions env{.user = {}, .extra_env = {"STRATA_TEST_GATE=" + gate.string()}};
  s::testing::Child run(command({"materialize", "--select", "gate"}), env);
  run.discard_output();

  std::string run_id = run_at_the_gate();
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

TEST_F(CliProcessTest, RunsCancelStopsARunOfAnotherProcess) {
  auto gate = dir_ / "gate";
  s::testing::CommandOptions env{.user = {}, .extra_env = {"STRATA_TEST_GATE=" + gate.string()}};
  s::testing::Child run(command({"materialize", "--select", "gate"}), env);
  std::string run_id = run_at_the_gate();
  ASSERT_FALSE(run_id.empty()) << "the run never reached the gate";
  auto cancel = run_command(command({"runs", "cancel", run_id.substr(0, 8)}));
  EXPECT_EQ(cancel.exit_code, 0) << cancel.output;
  EXPECT_NE(cancel.output.find("cancel requested (CANCELING)"), std::string::npos) << cancel.output;
  // Once the run noticed, the gate step (which does not look at cancellation) returns: its value is
  // not stored.
  ASSERT_EQ(run_with_event("Canceling the run: canceled through the instance"), run_id);
  std::ofstream(gate) << "open";
  std::string output = rest_of(run);
  EXPECT_EQ(run.wait(), 1) << output;
  EXPECT_NE(output.find("CANCELED"), std::string::npos) << output;
  EXPECT_NE(output.find("was canceled: Run of __ASSET_JOB canceled: canceled through the instance"), std::string::npos)
      << output;
  auto instance = s::Instance::open(dir_ / "home");
  EXPECT_EQ(instance->storage().get_run(run_id)->status, s::RunStatus::kCanceled);
  EXPECT_FALSE(instance->storage().latest_materialization(s::AssetKey("gate")).has_value());
  auto again = run_command(command({"runs", "cancel", run_id}));
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.output.find("already finished (CANCELED)"), std::string::npos) << again.output;
  auto unknown = run_command(command({"runs", "cancel", "no-such-run"}));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("no run 'no-such-run'"), std::string::npos) << unknown.output;
}

TEST_F(CliProcessTest, CtrlCCancelsAnAttachedRun) {
  auto gate = dir_ / "gate";
  s::testing::CommandOptions env{.user = {}, .extra_env = {"STRATA_TEST_GATE=" + gate.string()}};
  s::testing::Child run(command({"materialize", "--select", "gate"}), env);
  std::string run_id = run_at_the_gate();
  ASSERT_FALSE(run_id.empty()) << "the run never reached the gate";
  ASSERT_EQ(::kill(run.pid(), SIGINT), 0);
  // The process survives the first SIGINT and ends the run CANCELED once its step returns.
  ASSERT_EQ(run_with_event("Canceling the run: interrupted (SIGINT)"), run_id);
  std::ofstream(gate) << "open";
  std::string output = rest_of(run);
  auto instance = s::Instance::open(dir_ / "home");
  EXPECT_EQ(run.wait(), 1) << output;
  EXPECT_NE(output.find("interrupted (SIGINT)"), std::string::npos) << output;
  EXPECT_EQ(instance->storage().get_run(run_id)->status, s::RunStatus::kCanceled);
}

}  // namespace
