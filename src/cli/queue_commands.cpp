#include "queue_commands.hpp"

#include "error_report.hpp"
#include "run_commands.hpp"
#include "run_history_commands.hpp"
#include "strata/execution/run_queue_coordinator.hpp"
#include "terminal_text.hpp"

namespace strata::cli {

int runs_dequeue_command(CliSession& session, const DequeueOptions& options) {
  std::shared_ptr<Instance> instance = session.shared_instance();
  std::string run_id;
  if (!options.run_id.empty()) {
    RunRecord run = find_run(session, options.run_id);
    if (run.status != RunStatus::kQueued) {
      throw UsageError("run " + run.run_id + " is not queued (status " + run_status_name(run.status) + ")",
                       "'" + session.program + " runs --status queued' lists the queued runs");
    }
    run_id = run.run_id;
  }
  int code = kExitSuccess;
  RunQueueCoordinator coordinator(instance, [&](const QueuedRun& claimed) {
    session.out << "Dequeued run " << claimed.run.run_id << "\n";
    session.out.flush();
    try {
      if (execute_claimed_run(session, claimed) != kExitSuccess) code = kExitFailure;
    } catch (const StorageError&) {
      throw;
    } catch (const std::exception& e) {
      // The run could not start (execute_queued_run marked it FAILURE with the reason); the others run.
      print_error(session.err, error_code_of(e), "run " + claimed.run.run_id + " could not start: " + e.what());
      code = kExitFailure;
    }
  });
  size_t started = 0;
  while (true) {
    std::vector<QueuedRun> claimed = coordinator.dequeue(run_id);
    started += claimed.size();
    if (claimed.empty() || !options.drain || !run_id.empty()) break;
  }
  if (started == 0) {
    Storage& storage = instance->storage();
    size_t queued = storage.queued_runs().size();
    session.out << (queued == 0 ? std::string("No queued runs")
                                : std::to_string(queued) + " queued run(s); none may start now (run_queue limits)");
    if (!run_id.empty() && queued > 0) {
      std::vector<RunRecord> in_progress = storage.runs({.status = RunStatus::kStarted, .limit = 1'000'000});
      auto run = storage.get_run(run_id);
      if (run)
        session.out << ": run " << run_id << " waits, "
                    << why_run_waits(instance->config().run_queue, *run, in_progress);
    }
    session.out << "\n";
  }
  return code;
}

}  // namespace strata::cli
