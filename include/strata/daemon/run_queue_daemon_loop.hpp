// RunQueueDaemonLoop: the daemon's loop that starts queued runs. Each pass it marks runs whose
// process died as failed (Instance::reap_dead_runs), asks the RunQueueCoordinator which queued runs
// the instance's run_queue limits let start now, and starts each as a process of its own: this
// program again, detached (execution/run_launcher.hpp; forked from a launch server that is this
// program already started: daemon/run_launch_server.hpp), running `runs dequeue RUN_ID`, which claims
// the run under the same limits in one transaction and runs it — so the run's owner is its own
// process, and the daemon may stop or die without taking the run with it.
//
// A run whose process could not start, and that nothing holds back, is marked FAILURE with what
// the process said (it would otherwise be tried again every pass); one held back by a limit another
// process filled meanwhile stays queued for a later pass.
//
// Holds the instance; run_once from one thread at a time. run_once throws StorageError, or, after
// starting every other run, the first error of a run that could not start.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/daemon/daemon_loop.hpp"
#include "strata/daemon/run_launch_server.hpp"
#include "strata/storage/instance.hpp"

namespace strata {

struct RunQueueLoopOptions {
  std::chrono::milliseconds interval{1000};
  // How to start this program; empty: program_command() (what run_cli recorded).
  std::vector<std::string> program{};
  // Start runs by forking a launch server (this program, started once: daemon/run_launch_server.hpp)
  // rather than exec'ing the program for each run; falls back to exec when the server is gone.
  bool use_launch_server = true;
  // How long to wait for a run's process to start the run.
  int start_timeout_ms = 60'000;
  // Called after each run the loop started (run id, pid of its process); for logs and tests.
  std::function<void(const std::string& run_id, int64_t pid)> on_run_launched{};
};

class RunQueueDaemonLoop final : public DaemonLoop {
 public:
  explicit RunQueueDaemonLoop(std::shared_ptr<Instance> instance, RunQueueLoopOptions options = {});

  std::string name() const override { return "run_queue"; }
  std::chrono::milliseconds interval() const override { return options_.interval; }
  void run_once(Clock::time_point now) override;

  // Starts queued run `run_id` as a process of its own and returns once that process has recorded
  // RUN_START; returns its pid. Throws DetachedRunError when the process ended first.
  int64_t launch(const std::string& run_id);

 private:
  // Marks the run FAILURE when it is still queued and nothing holds it back; returns whether it did.
  bool fail_unlaunchable(const std::string& run_id, const std::string& why);

  std::shared_ptr<Instance> instance_;
  RunQueueLoopOptions options_;
  std::unique_ptr<RunLaunchServer> server_;  // started on the first launch
};

}  // namespace strata
