#include "strata/execution/slurm_reconcile.hpp"

namespace strata {

SlurmReconciliation reconcile_slurm_run(Instance& instance, const std::string& run_id, bool force) {
  std::optional<RunRecord> run = instance.storage().get_run(run_id);
  if (!run) throw Error("no run '" + run_id + "' in the instance at '" + instance.home().string() + "'");
  SlurmReconciliation result;
  result.status_before = run->status;
  bool in_progress = run->status == RunStatus::kStarted || run->status == RunStatus::kCanceling;
  if (in_progress) {
    bool here = run->owner_host == Instance::host_name();
    if (here && run->owner_pid > 0 && Instance::process_start_ticks(run->owner_pid) == run->owner_start_ticks) {
      throw Error("run '" + run_id + "' is still coordinated by process " + std::to_string(run->owner_pid) +
                  " on this host; stop it with 'runs cancel' instead");
    }
    if (!here && !force) {
      throw Error("run '" + run_id + "' is coordinated by process " + std::to_string(run->owner_pid) + " on host '" +
                  run->owner_host +
                  "', which this machine cannot check; reconcile it there, or with --force once that "
                  "process is known to be gone");
    }
  }
  SlurmClient slurm;
  result.jobs = slurm.jobs_with_comment("strata_run=" + run_id);
  std::string summary;
  for (const auto& job : result.jobs) {
    std::string step = job.name.rfind("strata:", 0) == 0 ? job.name.substr(7) : job.name;
    summary += (summary.empty() ? "" : "; ") + std::string("job ") + job.id + " (step " + step + ") " + job.state;
    if (!job.finished()) {
      try {
        slurm.cancel(job.id);
        result.cancelled.push_back(job.id);
        summary += ", cancelled";
      } catch (const SlurmError& e) {
        // It may have ended between squeue and scancel; the run is reconciled either way.
        summary += std::string(", not cancelled (") + e.what() + ")";
      }
    }
  }
  if (summary.empty()) summary = "Slurm knows no job of the run";
  Event event;
  event.run_id = run_id;
  event.timestamp_us = now_unix_us();
  if (in_progress) {
    event.type = EventType::kRunFailure;
    event.level = LogLevel::kError;
    event.message = "Run " + run_id + " failed: its coordinator is gone; reconciled with Slurm: " + summary;
    if (!instance.storage().fail_run_if_status(run_id, run->status, event)) {
      throw Error("run '" + run_id + "' changed while it was reconciled; run the command again");
    }
  } else {
    event.type = EventType::kLog;
    event.level = LogLevel::kWarning;
    event.message = "Reconciled with Slurm: " + summary;
    instance.storage().append_events({event});
  }
  result.status_after = instance.storage().get_run(run_id)->status;
  return result;
}

}  // namespace strata
