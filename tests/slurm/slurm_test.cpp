// The Slurm executor end to end: a real one-node Slurm cluster (munged, slurmctld, slurmd), a
// PostgreSQL instance and MinIO, started for this test process; a program built on run_cli
// (strata_slurm_test_program) run as a user runs it.
#include <gtest/gtest.h>
#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "backend_fixture.hpp"
#include "expect_error.hpp"
#include "free_port.hpp"
#include "minio_server.hpp"
#include "service_unavailable.hpp"
#include "slurm_cluster.hpp"
#include "strata/execution/slurm_client.hpp"
#include "strata/storage/instance.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace s = strata;
namespace fs = std::filesystem;
using s::testing::run_command;

namespace {

struct Services {
  std::unique_ptr<s::testing::SlurmCluster> slurm;
  std::unique_ptr<s::testing::MinioServer> minio;
  std::string error;
};

Services& services() {
  static Services started = [] {
    Services all;
    try {
      if (std::string missing = s::testing::SlurmCluster::missing_programs(); !missing.empty()) {
        throw std::runtime_error("Slurm is not installed (missing: " + missing + "); scripts/setup.sh installs it");
      }
      if (s::testing::MinioServer::find_binary().empty()) throw std::runtime_error("MinIO is not installed");
      if (s::testing::shared_postgres() == nullptr) throw std::runtime_error("PostgreSQL is not installed");
      all.slurm = std::make_unique<s::testing::SlurmCluster>();
      all.minio = std::make_unique<s::testing::MinioServer>();
      ::setenv("STRATA_TEST_S3_ENDPOINT", all.minio->endpoint().c_str(), 1);
      ::setenv("AWS_ACCESS_KEY_ID", all.minio->access_key().c_str(), 1);
      ::setenv("AWS_SECRET_ACCESS_KEY", all.minio->secret_key().c_str(), 1);
    } catch (const std::exception& e) {
      all.error = e.what();
    }
    return all;
  }();
  return started;
}

class SlurmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!services().error.empty()) STRATA_SERVICE_UNAVAILABLE(services().error);
    s::testing::configure_postgres_home(home());
    fs::create_directories(gate());
    // Steps connect back on loopback; the run's settings for this cluster.
    std::ofstream(config()) << "execution:\n  slurm:\n    partition: debug\n    coordinator_host: 127.0.0.1\n"
                               "    poll_ms: 20\n";
  }

  std::vector<std::string> command(std::vector<std::string> args) const {
    args.insert(args.begin(), STRATA_SLURM_TEST_PROGRAM);
    args.insert(args.end(), {"--home", home().string()});
    return args;
  }
  s::testing::CommandOptions env() const {
    return {
        .user = std::nullopt,
        .extra_env = {"STRATA_TEST_GATE=" + gate().string(), "STRATA_TEST_LOCAL=" + (dir_.path() / "local").string()}};
  }
  fs::path home() const { return dir_.path() / "home"; }
  fs::path gate() const { return dir_.path() / "gate"; }
  fs::path config() const { return dir_.path() / "run.yaml"; }

  std::shared_ptr<s::Instance> instance() const { return s::Instance::open(home()); }
  std::vector<s::RunRecord> runs() const { return instance()->storage().runs({}); }
  std::vector<s::Event> events(const std::string& run_id, s::EventType type, const std::string& step) const {
    std::vector<s::Event> found;
    for (const auto& record : instance()->storage().events_for_run(run_id)) {
      if (record.event.type == type && record.event.step_key == step) found.push_back(record.event);
    }
    return found;
  }

  // Waits, bounded, until `file` exists (a step creates it); false when it never did.
  static bool wait_for_file(const fs::path& file) {
    for (int i = 0; i < 6000; ++i) {
      if (fs::exists(file)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling another process's file
    }
    return false;
  }

  // Starts the job `daily` for `partition` in the background and waits until its step `events` runs
  // (as the Slurm job `job`, "" when it never did).
  std::unique_ptr<s::testing::Child> start_gated_run(const std::string& partition, std::string& job) {
    auto run = std::make_unique<s::testing::Child>(
        command({"job", "execute", "daily", "--partition", partition, "--config", config().string(), "--plain"}),
        env());
    run->discard_output();
    if (wait_for_file(gate() / ("started-" + partition))) job = running_job("events");
    return run;
  }

  // The id of the running Slurm job of step `step` ("" when none).
  static std::string running_job(const std::string& step) {
    auto listed = run_command({"squeue", "--noheader", "--states=RUNNING", "--name=strata:" + step, "--format=%i"});
    std::string id = listed.output.substr(0, listed.output.find('\n'));
    return id;
  }

  // Cancels the Slurm job or job step `id` and waits (bounded) until the run scheduled a retry of
  // `step`. scancel returns before Slurm has killed the step's process: a gate opened only after
  // this returns can never be passed by the first attempt.
  void cancel_and_wait_for_retry(const std::string& id, const std::string& step) {
    auto cancel = run_command({"scancel", id});
    EXPECT_EQ(cancel.exit_code, 0) << cancel.output;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
      auto listed = runs();
      if (!listed.empty() && !events(listed.front().run_id, s::EventType::kStepUpForRetry, step).empty()) return;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "the run never scheduled a retry of '" << step << "' after " << id << " was cancelled";
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling another process's records
    }
  }

  s::testing::TempDir dir_{"strata-slurm-test"};
};

TEST_F(SlurmTest, PartitionedRunOnMinioAndPostgresRetriesAStepWhoseJobWasKilled) {
  s::testing::CommandResult result;
  std::thread run([&] {
    result = run_command(
        command({"job", "execute", "daily", "--partition", "2024-01-03", "--config", config().string(), "--plain"}),
        env());
  });
  // The first attempt of `events` runs as a Slurm job and waits for the go file.
  bool started = wait_for_file(gate() / "started-2024-01-03");
  std::string job = started ? running_job("events") : "";
  std::cout << "--- Slurm while step 'events' runs ---\n" << services().slurm->job_report() << std::flush;
  if (!job.empty()) cancel_and_wait_for_retry(job, "events");
  std::ofstream(gate() / "go") << "go\n";  // the retry goes straight through
  run.join();
  ASSERT_TRUE(started) << result.output;
  ASSERT_FALSE(job.empty()) << services().slurm->job_report();
  std::cout << "--- Slurm after the run ---\n" << services().slurm->job_report() << std::flush;
  ASSERT_EQ(result.exit_code, 0) << result.output << services().slurm->logs();
  EXPECT_NE(result.output.find("Slurm job " + job + " was cancelled (CANCELLED"), std::string::npos) << result.output;

  auto all = runs();
  ASSERT_EQ(all.size(), 1u);
  const std::string& run_id = all.front().run_id;
  EXPECT_EQ(all.front().status, s::RunStatus::kSuccess);
  auto retried = events(run_id, s::EventType::kStepUpForRetry, "events");
  ASSERT_EQ(retried.size(), 1u);
  EXPECT_EQ(retried.front().error_type, "SlurmJobFailure");
  EXPECT_EQ(events(run_id, s::EventType::kStepRestarted, "events").size(), 1u);
  for (const char* step : {"events", "totals", "checked"}) {
    EXPECT_EQ(events(run_id, s::EventType::kStepSuccess, step).size(), 1u) << step;
    auto materialized = events(run_id, s::EventType::kMaterialization, step);
    ASSERT_EQ(materialized.size(), 1u) << step;
    EXPECT_EQ(materialized.front().partition.value_or(""), "2024-01-03");
  }
  // Each attempt was a Slurm job of its own, named in the event log.
  int submitted = 0;
  for (const auto& event : events(run_id, s::EventType::kLog, "events")) {
    submitted += event.message.find("submitted as Slurm job") != std::string::npos;
  }
  EXPECT_EQ(submitted, 2);
  // The data is on MinIO, loaded back through the program.
  auto totals = run_command(command({"asset", "value", "totals", "--partition", "2024-01-03"}), env());
  EXPECT_EQ(totals.exit_code, 0) << totals.output;
  EXPECT_NE(totals.output.find("15"), std::string::npos) << totals.output;
}

TEST_F(SlurmTest, RefusesAtPlanTimeWhatOtherNodesCannotReach) {
  auto local = run_command(command({"materialize", "--select", "local_value", "--executor", "slurm"}), env());
  EXPECT_EQ(local.exit_code, 2) << local.output;
  EXPECT_NE(local.output.find("the Slurm executor cannot run asset 'local_value': I/O manager 'local_files' "
                              "(strata::FilesystemIOManager) cannot be reached from the nodes that run the steps: it "
                              "stores files in the local directory"),
            std::string::npos)
      << local.output;
  auto memory = run_command(command({"materialize", "--select", "kept", "--executor", "slurm"}), env());
  EXPECT_EQ(memory.exit_code, 2) << memory.output;
  EXPECT_NE(memory.output.find("asset 'kept': I/O manager 'memory' (strata::InMemoryIOManager)"), std::string::npos)
      << memory.output;
  EXPECT_TRUE(runs().empty());  // nothing was recorded

  fs::path sqlite_home = dir_.path() / "sqlite-home";
  auto sqlite = run_command({STRATA_SLURM_TEST_PROGRAM, "job", "execute", "daily", "--partition", "2024-01-02",
                             "--home", sqlite_home.string()},
                            env());
  EXPECT_EQ(sqlite.exit_code, 2) << sqlite.output;
  EXPECT_NE(sqlite.output.find("the Slurm executor cannot use the instance at '" + sqlite_home.string() +
                               "': its storage is the SQLite file"),
            std::string::npos)
      << sqlite.output;
}

TEST_F(SlurmTest, JobsSlurmRefusesOrCannotRunFailTheirStepWithSlurmsReason) {
  auto huge = run_command(
      command({"materialize", "--select", "huge", "--config", config().string(), "--executor", "slurm", "--plain"}),
      env());
  EXPECT_EQ(huge.exit_code, 1) << huge.output;
  EXPECT_NE(huge.output.find("step 'huge': Slurm refused the job: 'srun -v"), std::string::npos) << huge.output;
  EXPECT_NE(huge.output.find("Memory specification can not be satisfied"), std::string::npos) << huge.output;

  auto greedy = run_command(
      command({"materialize", "--select", "greedy", "--config", config().string(), "--executor", "slurm", "--plain"}),
      env());
  EXPECT_EQ(greedy.exit_code, 1) << greedy.output;
  EXPECT_NE(greedy.output.find("cannot run (PENDING, reason PartitionConfig"), std::string::npos) << greedy.output;

  auto failing = run_command(
      command({"materialize", "--select", "failing", "--config", config().string(), "--executor", "slurm", "--plain"}),
      env());
  EXPECT_EQ(failing.exit_code, 1) << failing.output;
  EXPECT_NE(failing.output.find("failing on purpose"), std::string::npos) << failing.output;
  // Every job ended: none is left pending.
  auto pending = run_command({"squeue", "--noheader", "--states=PENDING"});
  EXPECT_EQ(pending.output, "") << services().slurm->job_report();
}

TEST_F(SlurmTest, SlurmNotRunningOrNotInstalledNamesTheCommand) {
  auto options = env();
  // This cluster's configuration with the controller on a port where nothing listens.
  fs::path dead = dir_.path() / "dead-slurm.conf";
  {
    std::ifstream in(services().slurm->conf());
    std::ofstream out(dead);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("SlurmctldPort=", 0) == 0)
        line = "SlurmctldPort=" + std::to_string(s::testing::free_loopback_port());
      out << line << "\n";
    }
  }
  options.extra_env.push_back("SLURM_CONF=" + dead.string());
  auto down = run_command(command({"job", "execute", "daily", "--partition", "2024-01-02"}), options);
  EXPECT_EQ(down.exit_code, 1) << down.output;
  EXPECT_NE(down.output.find("error[slurm_error]: Slurm is not running: 'scontrol ping'"), std::string::npos)
      << down.output;

  options = env();
  options.extra_env.push_back("PATH=/nonexistent");
  auto missing = run_command(command({"job", "execute", "daily", "--partition", "2024-01-02"}), options);
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("Slurm is not installed here: 'scontrol' is not on PATH"), std::string::npos)
      << missing.output;
  EXPECT_TRUE(runs().empty());
}

TEST_F(SlurmTest, AnUnreachableInstanceIsOneClearErrorAndNothingIsSubmitted) {
  fs::path unreachable = dir_.path() / "unreachable-home";
  fs::create_directories(unreachable);
  int port = s::testing::free_loopback_port();  // nothing listens there
  std::ofstream(unreachable / "strata.yaml")
      << "storage:\n  postgres:\n    host: 127.0.0.1\n    port: " << port << "\n    user: strata\n    dbname: x\n";
  auto before = run_command({"squeue", "--states=all", "--noheader"});
  auto result = run_command({STRATA_SLURM_TEST_PROGRAM, "job", "execute", "daily", "--partition", "2024-01-02",
                             "--config", config().string(), "--home", unreachable.string(), "--plain"},
                            env());
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("127.0.0.1"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find(std::to_string(port)), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("submitted as Slurm job"), std::string::npos) << result.output;
  EXPECT_EQ(run_command({"squeue", "--states=all", "--noheader"}).output, before.output);  // no job was submitted
}

TEST_F(SlurmTest, CancelingTheRunCancelsItsJobs) {
  std::string job;
  auto run = start_gated_run("2024-01-04", job);
  ASSERT_FALSE(job.empty()) << "step 'events' never ran as a Slurm job";
  auto all = runs();
  ASSERT_EQ(all.size(), 1u);
  auto cancel = run_command(command({"runs", "cancel", all.front().run_id, "--wait"}), env());
  EXPECT_EQ(cancel.exit_code, 0) << cancel.output;
  EXPECT_EQ(run->wait(), 1);
  EXPECT_EQ(runs().front().status, s::RunStatus::kCanceled);
  auto state = s::SlurmClient().show(job);
  ASSERT_TRUE(state.has_value());
  EXPECT_TRUE(state->finished()) << state->state;
}

TEST_F(SlurmTest, ARunWhoseCoordinatorWasKilledIsReconciledAndResumed) {
  std::string job;
  auto run = start_gated_run("2024-01-05", job);
  ASSERT_FALSE(job.empty()) << "step 'events' never ran as a Slurm job";
  run->kill_and_wait(SIGKILL);  // the coordinator dies; its Slurm job goes on

  auto all = runs();
  ASSERT_EQ(all.size(), 1u);
  std::string run_id = all.front().run_id;
  auto reconciled = run_command(command({"runs", "reconcile", run_id}), env());
  EXPECT_EQ(reconciled.exit_code, 0) << reconciled.output;
  EXPECT_NE(reconciled.output.find("job " + job + "  strata:events  RUNNING  -> cancelled"), std::string::npos)
      << reconciled.output;
  EXPECT_NE(reconciled.output.find("runs reexecute " + run_id + " --from-failure"), std::string::npos)
      << reconciled.output;
  EXPECT_EQ(instance()->storage().get_run(run_id)->status, s::RunStatus::kFailure);
  auto state = s::SlurmClient().show(job);
  ASSERT_TRUE(state.has_value());
  EXPECT_TRUE(state->state == "CANCELLED" || state->state == "COMPLETING") << state->state;  // cleaning up

  // Resumed: the steps that did not succeed run again (the gate is open for a second attempt).
  auto resumed = run_command(command({"runs", "reexecute", run_id, "--from-failure", "--plain"}), env());
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  auto latest = runs();
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest.front().status, s::RunStatus::kSuccess);
}

TEST_F(SlurmTest, SbatchLaunchRunsEachStepAsABatchJob) {
  std::ofstream(config()) << "execution:\n  slurm:\n    launch: sbatch\n    partition: debug\n"
                             "    coordinator_host: 127.0.0.1\n    poll_ms: 20\n";
  std::ofstream(gate() / "go") << "go\n";
  auto result = run_command(
      command({"job", "execute", "daily", "--partition", "2024-01-06", "--config", config().string(), "--plain"}),
      env());
  ASSERT_EQ(result.exit_code, 0) << result.output << services().slurm->logs();
  auto all = runs();
  ASSERT_EQ(all.size(), 1u);
  for (const char* step : {"events", "totals", "checked"}) {
    auto logged = events(all.front().run_id, s::EventType::kLog, step);
    int batch_jobs = 0;
    for (const auto& event : logged)
      batch_jobs += event.message.find("as Slurm job") != std::string::npos &&
                    event.message.find("(sbatch)") != std::string::npos;
    EXPECT_EQ(batch_jobs, 1) << step;
  }
  auto huge = run_command(
      command({"materialize", "--select", "huge", "--config", config().string(), "--executor", "slurm", "--plain"}),
      env());
  EXPECT_EQ(huge.exit_code, 1) << huge.output;
  EXPECT_NE(huge.output.find("step 'huge': Slurm refused the job: 'sbatch --parsable"), std::string::npos)
      << huge.output;
  EXPECT_NE(huge.output.find("Memory specification can not be satisfied"), std::string::npos) << huge.output;

  std::ofstream(config()) << "execution:\n  slurm:\n    launch: qsub\n";
  auto bad = run_command(
      command({"job", "execute", "daily", "--partition", "2024-01-07", "--config", config().string()}), env());
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("execution.slurm.launch must be srun, sbatch or allocation"), std::string::npos)
      << bad.output;
}

TEST_F(SlurmTest, AllocationLaunchRunsStepsInOneAllocationAndRetriesAKilledStep) {
  std::ofstream(config()) << "execution:\n  slurm:\n    launch: allocation\n    partition: debug\n"
                             "    coordinator_host: 127.0.0.1\n    poll_ms: 20\n";
  s::testing::CommandResult result;
  std::thread run([&] {
    result = run_command(
        command({"job", "execute", "daily", "--partition", "2024-01-08", "--config", config().string(), "--plain"}),
        env());
  });
  bool started = wait_for_file(gate() / "started-2024-01-08");
  auto listed = run_command({"squeue", "--steps", "--noheader", "--name=strata:events", "--format=%i"});
  std::string step = listed.output.substr(0, listed.output.find('\n'));
  std::cout << "--- Slurm while step 'events' runs in the run's allocation ---\n"
            << run_command({"squeue", "--steps"}).output << services().slurm->job_report() << std::flush;
  if (!step.empty()) cancel_and_wait_for_retry(step, "events");
  std::ofstream(gate() / "go") << "go\n";
  run.join();
  ASSERT_TRUE(started) << result.output;
  ASSERT_FALSE(step.empty()) << services().slurm->job_report();
  ASSERT_EQ(result.exit_code, 0) << result.output << services().slurm->logs();
  EXPECT_NE(result.output.find("its Slurm job step " + step), std::string::npos) << result.output;

  auto all = runs();
  ASSERT_EQ(all.size(), 1u);
  const std::string& run_id = all.front().run_id;
  EXPECT_EQ(all.front().status, s::RunStatus::kSuccess);
  ASSERT_EQ(events(run_id, s::EventType::kStepUpForRetry, "events").size(), 1u);
  // One allocation for the whole run, every attempt a step in it, released at the end.
  std::string allocation;
  for (const auto& event : events(run_id, s::EventType::kLog, "")) {
    if (event.message.rfind("The run holds Slurm allocation ", 0) == 0) {
      EXPECT_TRUE(allocation.empty()) << "a second allocation: " << event.message;
      allocation = event.metadata.at("slurm_job_id").as_text();
    }
  }
  ASSERT_FALSE(allocation.empty());
  EXPECT_EQ(step.substr(0, step.find('.')), allocation);
  int attempts = 0;
  for (const char* key : {"events", "totals", "checked"}) {
    for (const auto& event : events(run_id, s::EventType::kLog, key)) {
      attempts += event.message.find("submitted as Slurm job step " + allocation + ".") != std::string::npos;
    }
  }
  EXPECT_EQ(attempts, 4);  // events twice, totals, checked
  auto released = s::SlurmClient().show(allocation);
  ASSERT_TRUE(released.has_value());
  EXPECT_TRUE(released->finished() || released->state == "COMPLETING") << released->state;

  // A step that asks for another partition cannot run in the allocation: refused before anything runs.
  auto elsewhere = run_command(
      command({"materialize", "--select", "on_gpus", "--config", config().string(), "--executor", "slurm"}), env());
  EXPECT_EQ(elsewhere.exit_code, 2) << elsewhere.output;
  EXPECT_NE(elsewhere.output.find("cannot run step 'on_gpus' in the run's allocation: it asks for partition 'gpu', "
                                  "the allocation is in partition 'debug'"),
            std::string::npos)
      << elsewhere.output;
  EXPECT_EQ(runs().size(), 1u);
}

TEST_F(SlurmTest, K8sManifestHasAConfigMapAndOneJobPerStep) {
  auto printed = run_command(command({"k8s", "manifest", "--job", "daily", "--image", "registry.example.org/p:1"}));
  ASSERT_EQ(printed.exit_code, 0) << printed.output;
  std::vector<YAML::Node> documents = YAML::LoadAll(printed.output);
  ASSERT_EQ(documents.size(), 4u) << printed.output;  // the ConfigMap, events, totals, checked
  EXPECT_EQ(documents[0]["kind"].as<std::string>(), "ConfigMap");
  EXPECT_NE(documents[0]["data"]["strata.yaml"].as<std::string>().find("postgres"), std::string::npos);
  std::vector<std::string> steps;
  for (size_t i = 1; i < documents.size(); ++i) {
    const YAML::Node& job = documents[i];
    EXPECT_EQ(job["apiVersion"].as<std::string>(), "batch/v1");
    EXPECT_EQ(job["kind"].as<std::string>(), "Job");
    steps.push_back(job["metadata"]["annotations"]["strata.io/step"].as<std::string>());
    const YAML::Node& container = job["spec"]["template"]["spec"]["containers"][0];
    EXPECT_EQ(container["image"].as<std::string>(), "registry.example.org/p:1");
    EXPECT_EQ(container["command"][1].as<std::string>(), "__step-worker");
    EXPECT_EQ(container["envFrom"][0]["secretRef"]["name"].as<std::string>(), "strata-secrets");
    EXPECT_EQ(job["spec"]["template"]["spec"]["restartPolicy"].as<std::string>(), "Never");
  }
  EXPECT_EQ(steps, (std::vector<std::string>{"events", "totals", "checked"}));
  EXPECT_EQ(documents[2]["metadata"]["annotations"]["strata.io/upstream"].as<std::string>(), "events");

  auto unknown = run_command(command({"k8s", "manifest", "--job", "dayly"}));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("unknown job 'dayly'; did you mean 'daily'?"), std::string::npos) << unknown.output;
}

}  // namespace
