#include "slurm_commands.hpp"

#include "run_history_commands.hpp"
#include "strata/execution/slurm_reconcile.hpp"

namespace strata::cli {

int reconcile_command(CliSession& session, const std::string& run_text, const ReconcileOptions& options) {
  RunRecord run = find_run(session, run_text);  // opening the instance reaps a coordinator that died here
  SlurmReconciliation result;
  try {
    result = reconcile_slurm_run(session.instance(), run.run_id, options.force);
  } catch (const SlurmError&) {
    throw;
  } catch (const Error& e) {
    throw UsageError(e.what(), "'" + session.program + " runs --status started' lists the runs in progress");
  }
  session.out << "Run " << run.run_id << " (" << run_status_name(result.status_before) << "): " << result.jobs.size()
              << " Slurm job(s)\n";
  for (const auto& job : result.jobs) {
    bool cancelled = std::find(result.cancelled.begin(), result.cancelled.end(), job.id) != result.cancelled.end();
    session.out << "  job " << job.id << "  " << job.name << "  " << job.state
                << (cancelled ? "  -> cancelled (its events could not be recorded)" : "") << "\n";
  }
  session.out << "Run " << run.run_id << " is " << run_status_name(result.status_after) << "\n";
  if (result.status_after == RunStatus::kFailure || result.status_after == RunStatus::kCanceled) {
    session.out << "Run what did not succeed again: " << session.program << " runs reexecute " << run.run_id
                << " --from-failure --executor slurm\n";
  }
  return kExitSuccess;
}

}  // namespace strata::cli
