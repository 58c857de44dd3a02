// The multi-process executor and detached runs, as real processes: a program built on run_cli
// (strata_multiprocess_test_program) run the way a user runs it.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <strata/strata.hpp>
#include <thread>

#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace s = strata;
using s::testing::run_command;

namespace {

class MultiprocessTest : public ::testing::Test {
 protected:
  std::vector<std::string> command(std::vector<std::string> args) {
    args.insert(args.begin(), {STRATA_MULTIPROCESS_TEST_PROGRAM, data().string()});
    args.push_back("--home");
    args.push_back(home().string());
    return args;
  }
  std::filesystem::path data() const { return dir_.path() / "data"; }
  std::filesystem::path home() const { return dir_.path() / "home"; }

  std::shared_ptr<s::Instance> instance() { return s::Instance::open(home()); }

  // The only run recorded in the instance.
  s::RunRecord only_run() {
    auto runs = instance()->storage().runs({});
    EXPECT_EQ(runs.size(), 1u);
    return runs.empty() ? s::RunRecord{} : runs.front();
  }

  // The events of `run_id` of `type` for `step`.
  std::vector<s::Event> events(const std::string& run_id, s::EventType type, const std::string& step) {
    std::vector<s::Event> found;
    for (const auto& record : instance()->storage().events_for_run(run_id)) {
      if (record.event.type == type && record.event.step_key == step) found.push_back(record.event);
    }
    return found;
  }

  // What the filesystem I/O manager stored for an unpartitioned asset.
  template <class T>
  T stored(const std::string& asset) {
    s::FilesystemIOManager manager({.base_dir = (data() / "files").string()});
    auto context = s::build_input_context({.asset_key = s::AssetKey(asset), .type = &s::type_of<T>()});
    return manager.load_input(context).template get<T>();
  }

  s::testing::TempDir dir_{"strata-multiprocess"};
};

TEST_F(MultiprocessTest, CrashingStepsFailAloneAndNameTheSignal) {
  auto result = run_command(command({"job", "execute", "crash_job", "--executor", "multiprocess", "--plain"}));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("step 'segfaults' was killed by signal 11 (SIGSEGV)"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("step 'aborts' was killed by signal 6 (SIGABRT)"), std::string::npos) << result.output;

  s::RunRecord run = only_run();
  EXPECT_EQ(run.status, s::RunStatus::kFailure);
  EXPECT_EQ(events(run.run_id, s::EventType::kStepSuccess, "doubled").size(), 1u);
  EXPECT_EQ(events(run.run_id, s::EventType::kStepSkipped, "after_segfault").size(), 1u);
  auto failure = events(run.run_id, s::EventType::kStepFailure, "segfaults");
  ASSERT_EQ(failure.size(), 1u);
  EXPECT_EQ(failure.front().error_type, "ProcessCrash");
  // What the step's process emitted was recorded by the run: its log line and its metadata.
  auto materialized = events(run.run_id, s::EventType::kMaterialization, "doubled");
  ASSERT_EQ(materialized.size(), 1u);
  EXPECT_EQ(materialized.front().metadata.find("count")->as_int(), 3);
  EXPECT_EQ(events(run.run_id, s::EventType::kLog, "doubled").size(), 1u);
  EXPECT_EQ(stored<std::vector<int64_t>>("doubled"), (std::vector<int64_t>{2, 4, 6}));
}

// A step process whose resources cannot be set up fails the step with the error's stable code, as
// the in-process executor records it (it said "ConfigError" whatever the error was).
TEST_F(MultiprocessTest, StepProcessSetupFailureCarriesTheErrorsCode) {
  auto result = run_command(command({"materialize", "--select", "unreachable", "--executor", "multiprocess"}));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  auto failure = events(only_run().run_id, s::EventType::kStepFailure, "unreachable");
  ASSERT_EQ(failure.size(), 1u);
  EXPECT_EQ(failure.front().error_type, "storage_error");
  EXPECT_NE(failure.front().message.find("the store is unreachable"), std::string::npos) << failure.front().message;
}

TEST_F(MultiprocessTest, OutputRecordedByAStepProcessThatDiedBeforePublishingIsPublished) {
  auto result = run_command(command({"materialize", "--select", "half_published", "--executor", "multiprocess"}));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("step 'half_published' was killed by signal 9 (SIGKILL)"), std::string::npos)
      << result.output;
  // The catalog names this run's data, so the data readers load is this run's.
  auto latest = instance()->storage().latest_materialization(s::AssetKey("half_published"));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->event.run_id, only_run().run_id);
  EXPECT_EQ(stored<int64_t>("half_published"), 42);
}

#ifdef STRATA_TEST_TABLES
TEST_F(MultiprocessTest, OutputsPassBetweenProcessesThroughParquetDuckDBAndFiles) {
  auto result = run_command(command({"job", "execute", "tables_job", "--executor", "multiprocess"}));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(stored<int64_t>("id_sum"), 5050);
  s::RunRecord run = only_run();
  EXPECT_EQ(run.status, s::RunStatus::kSuccess);
  for (const char* step : {"ids", "id_table", "id_sum"}) {
    EXPECT_EQ(events(run.run_id, s::EventType::kMaterialization, step).size(), 1u) << step;
    EXPECT_EQ(events(run.run_id, s::EventType::kLoadedInput, step).size(), std::string(step) == "ids" ? 0u : 1u);
  }
}
#endif

TEST_F(MultiprocessTest, OpOutputsPassAtTheirRunIdPaths) {
  auto result = run_command(command({"job", "execute", "ops_job", "--executor", "multiprocess"}));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  s::RunRecord run = only_run();
  auto handled = events(run.run_id, s::EventType::kHandledOutput, "add_one");
  ASSERT_EQ(handled.size(), 1u);
  EXPECT_NE(handled.front().metadata.find("path")->to_display_string().find(run.run_id), std::string::npos);
}

TEST_F(MultiprocessTest, RetryRequestedInAStepProcessIsRetriedInANewOne) {
  auto counter = dir_.path() / "flaky-attempts";
  s::testing::CommandOptions env{.user = {}, .extra_env = {"STRATA_TEST_FLAKY=" + counter.string()}};
  auto result = run_command(command({"materialize", "--select", "flaky", "--executor", "multiprocess"}), env);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(stored<int64_t>("flaky"), 3);
  s::RunRecord run = only_run();
  EXPECT_EQ(events(run.run_id, s::EventType::kStepUpForRetry, "flaky").size(), 2u);
  EXPECT_EQ(events(run.run_id, s::EventType::kStepRestarted, "flaky").size(), 2u);
}

TEST_F(MultiprocessTest, CanceledRunAsksItsStepProcessesToStop) {
  s::testing::Child running(command({"materialize", "--select", "patient,numbers", "--executor", "multiprocess",
                                     "--max-concurrency", "1", "--plain"}));
  std::string run_id;
  while (run_id.empty()) {
    auto line = running.read_line();
    ASSERT_TRUE(line.has_value()) << "the run ended before its step waited";
    if (line->find("waiting to be canceled") == std::string::npos) continue;
    for (const auto& run : instance()->storage().runs({})) run_id = run.run_id;
  }
  auto cancel = run_command(command({"runs", "cancel", run_id, "--wait"}));
  EXPECT_EQ(cancel.exit_code, 0) << cancel.output;
  std::string rest;
  while (auto line = running.read_line()) rest += *line + "\n";
  EXPECT_NE(running.wait(), 0) << rest;
  auto record = instance()->storage().get_run(run_id);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->status, s::RunStatus::kCanceled);
  auto failure = events(run_id, s::EventType::kStepFailure, "patient");
  ASSERT_EQ(failure.size(), 1u) << rest;
  EXPECT_EQ(failure.front().error_type, "canceled");  // it stopped itself, not killed
}

TEST_F(MultiprocessTest, StepProcessesRunWithTheRunsStepConfig) {
  auto config = dir_.path() / "run.yaml";
  std::ofstream(config) << "ops:\n  scaled:\n    config:\n      factor: 5\n";
  auto result = run_command(command(
      {"materialize", "--select", "numbers,scaled", "--executor", "multiprocess", "--config", config.string()}));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(stored<std::vector<int64_t>>("scaled"), (std::vector<int64_t>{5, 10, 15}));
}

TEST_F(MultiprocessTest, PartitionedStepsRunInTheirOwnProcesses) {
  auto result = run_command(
      command({"materialize", "--select", "region,region_upper", "--partition", "us", "--executor", "multiprocess"}));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  s::RunRecord run = only_run();
  for (const char* step : {"region", "region_upper"}) {
    auto materialized = events(run.run_id, s::EventType::kMaterialization, step);
    ASSERT_EQ(materialized.size(), 1u) << step;
    EXPECT_EQ(materialized.front().partition, std::optional<std::string>("us"));
  }
  EXPECT_NE(result.output.find("data/files/region_upper/us"), std::string::npos) << result.output;
}

TEST_F(MultiprocessTest, JobChoosesTheExecutorInCodeAndEachStepHasItsOwnProcess) {
  auto result = run_command(command({"job", "execute", "pids_job", "--max-concurrency", "1"}));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(stored<int64_t>("pid_a"), stored<int64_t>("pid_b"));
  // --executor overrides the job's choice.
  auto in_process = run_command(command({"job", "execute", "pids_job", "--executor", "in_process"}));
  ASSERT_EQ(in_process.exit_code, 0) << in_process.output;
  EXPECT_EQ(stored<int64_t>("pid_a"), stored<int64_t>("pid_b"));
}

TEST_F(MultiprocessTest, RunConfigChoosesTheExecutor) {
  auto config = dir_.path() / "run.yaml";
  std::ofstream(config) << "execution:\n  executor: multiprocess\n";
  auto result = run_command(command({"materialize", "--select", "numbers,segfaults", "--config", config.string()}));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("killed by signal 11 (SIGSEGV)"), std::string::npos) << result.output;

  std::ofstream(config) << "execution:\n  executor: threads\n";
  auto bad = run_command(command({"materialize", "--select", "numbers", "--config", config.string()}));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("unknown executor 'threads' in execution.executor"), std::string::npos) << bad.output;
}

TEST_F(MultiprocessTest, InMemoryManagerIsRefusedBeforeTheRun) {
  auto result = run_command(command({"job", "execute", "memory_job", "--executor", "multiprocess"}));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find(
                "error[definition_error]: the multi-process executor cannot run asset 'kept': I/O manager 'memory' "
                "(strata::InMemoryIOManager) keeps values in the memory of one process"),
            std::string::npos)
      << result.output;
  EXPECT_TRUE(instance()->storage().runs({}).empty());
  auto in_process = run_command(command({"job", "execute", "memory_job"}));
  EXPECT_EQ(in_process.exit_code, 0) << in_process.output;
}

TEST_F(MultiprocessTest, ProgramWithoutRunCliFailsItsStepsWithTheReason) {
  auto result = run_command({STRATA_MULTIPROCESS_TEST_PROGRAM, "--without-run-cli", data().string()});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("the program's main() must hand its arguments to strata::run_cli"), std::string::npos)
      << result.output;
}

TEST_F(MultiprocessTest, UnknownExecutorIsBadInput) {
  auto result = run_command(command({"materialize", "--select", "numbers", "--executor", "multiprocessing"}));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("error[usage_error]: unknown executor 'multiprocessing'; did you mean 'multiprocess'?"),
            std::string::npos)
      << result.output;
  EXPECT_TRUE(instance()->storage().runs({}).empty());
}

// The run id and pid `--detach` printed.
std::pair<std::string, int64_t> detached_run(const std::string& output) {
  std::smatch match;
  EXPECT_TRUE(
      std::regex_search(output, match, std::regex("Run ([0-9a-f-]+) started in the background \\(pid (\\d+)\\)")))
      << output;
  if (match.empty()) return {"", 0};
  return {match[1].str(), std::stoll(match[2].str())};
}

TEST_F(MultiprocessTest, DetachedRunFinishesWithItsEvents) {
  auto launched =
      run_command(command({"materialize", "--select", "numbers,doubled", "--executor", "multiprocess", "--detach"}));
  ASSERT_EQ(launched.exit_code, 0) << launched.output;
  auto [run_id, pid] = detached_run(launched.output);
  ASSERT_FALSE(run_id.empty());
  EXPECT_NE(pid, 0);

  // `logs --follow` returns once the run has ended.
  auto followed = run_command(command({"logs", run_id, "--follow"}));
  EXPECT_EQ(followed.exit_code, 0) << followed.output;
  EXPECT_NE(followed.output.find("RUN_SUCCESS"), std::string::npos) << followed.output;
  auto record = instance()->storage().get_run(run_id);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->status, s::RunStatus::kSuccess);
  EXPECT_EQ(record->owner_pid, pid);
  EXPECT_EQ(events(run_id, s::EventType::kStepSuccess, "doubled").size(), 1u);
  EXPECT_EQ(stored<std::vector<int64_t>>("doubled"), (std::vector<int64_t>{2, 4, 6}));
  EXPECT_TRUE(std::filesystem::exists(home() / "logs" / (run_id + ".log")));
}

TEST_F(MultiprocessTest, DetachedRunRefusesBadInputInTheForeground) {
  auto result = run_command(command({"materialize", "--select", "nope", "--detach"}));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("error["), std::string::npos) << result.output;
  EXPECT_TRUE(instance()->storage().runs({}).empty());
}

// Ended (a zombie counts: a detached run's process is nobody's child) or reaped.
bool process_gone(int64_t pid) { return s::Instance::process_start_ticks(pid) == 0; }

TEST_F(MultiprocessTest, KilledDetachedRunIsMarkedFailed) {
  auto gate = dir_.path() / "gate";
  s::testing::CommandOptions env{.user = {}, .extra_env = {"STRATA_TEST_GATE=" + gate.string()}};
  auto launched = run_command(command({"materialize", "--select", "gate", "--detach"}), env);
  ASSERT_EQ(launched.exit_code, 0) << launched.output;
  auto [run_id, pid] = detached_run(launched.output);
  ASSERT_GT(pid, 0);

  // Follow the run until its step is inside the gate, then kill its process.
  s::testing::Child follow(command({"logs", run_id, "--follow"}));
  bool waiting = false;
  while (!waiting) {
    auto line = follow.read_line();
    ASSERT_TRUE(line.has_value()) << "the run never reached the gate";
    waiting = line->find("waiting for the gate file") != std::string::npos;
  }
  ASSERT_EQ(::kill(static_cast<pid_t>(pid), SIGKILL), 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!process_gone(pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polls a condition, bounded
  }
  ASSERT_TRUE(process_gone(pid));

  auto opened = instance();  // opening the instance reaps runs whose process is gone
  auto record = opened->storage().get_run(run_id);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->status, s::RunStatus::kFailure);
  auto failures = events(run_id, s::EventType::kRunFailure, "");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_NE(failures.front().message.find("its process (pid " + std::to_string(pid)), std::string::npos)
      << failures.front().message;
  EXPECT_NE(failures.front().message.find("is gone"), std::string::npos) << failures.front().message;
  follow.kill_and_wait(SIGKILL);
}

}  // namespace
