// reconcile_slurm_run: brings a run of the Slurm executor whose coordinating process is gone (killed,
// its machine rebooted) in line with what Slurm knows. The run's jobs are found by their comment
// (`strata_run=<run id>`, set by the executor); those still pending or running are cancelled (their
// events could no longer be recorded: the coordinator relays them); a run still recorded as STARTED
// or CANCELING is marked FAILURE, and the instance's event log records every job's state. The steps
// that did not succeed then run again with `runs reexecute RUN_ID --from-failure`. Throws Error for
// an unknown run or one whose coordinator is alive on this machine, SlurmError when Slurm cannot be
// asked; thread-safe as Instance and SlurmClient are.
#pragma once

#include <string>
#include <vector>

#include "strata/execution/slurm_client.hpp"
#include "strata/storage/instance.hpp"

namespace strata {

struct SlurmReconciliation {
  std::vector<SlurmJob> jobs{};          // the run's jobs Slurm still knows, as found
  std::vector<std::string> cancelled{};  // ids of the jobs this cancelled (they were pending or running)
  RunStatus status_before = RunStatus::kStarted;
  RunStatus status_after = RunStatus::kStarted;
};

// `force`: the run's owner is on another host (this machine cannot see whether it is alive) and the
// caller knows it is gone.
SlurmReconciliation reconcile_slurm_run(Instance& instance, const std::string& run_id, bool force = false);

}  // namespace strata
