// RunOptions: how to run one job or selection.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/config/run_config.hpp"
#include "strata/core/config/slurm_settings.hpp"
#include "strata/core/definitions/executor_kind.hpp"
#include "strata/core/types/event.hpp"
#include "strata/execution/run_cancellation.hpp"
#include "strata/storage/instance.hpp"

namespace strata {

struct RunOptions {
  // Where the run is recorded (run record, every event, the asset catalog). Null: not recorded.
  // When set and strata_home is empty, the instance's home is used.
  std::shared_ptr<Instance> instance{};
  RunConfig run_config{};
  // The instance directory ($STRATA_HOME). Empty: a temporary directory that lives as long as the
  // RunResult (the in-process helpers' default).
  std::filesystem::path strata_home{};
  int max_concurrency = 0;  // steps run at once; 0 = the machine's cores
  std::string run_id{};     // empty: a new random id
  std::map<std::string, std::string> tags{};
  // Called for every event, in the run's order, one at a time, from a thread of the run's own (never
  // while a step waits for it); every event has been delivered when the run returns.
  EventListener on_event{};
  bool keep_outputs = true;  // keep output values in the RunResult (for tests)
  // The partitions this run materializes: one key, or several for a single run over a range
  // (BackfillPolicy::single_run). Required when the selection is partitioned, refused otherwise.
  std::vector<std::string> partition_keys{};
  // Cancels the run when canceled (from any thread). Null: a run still stops when the instance
  // records it as CANCELING (Instance::cancel_run, `runs cancel`).
  std::shared_ptr<RunCancellation> cancellation{};
  // The run's record already exists (a queued run claimed by a dequeuer, status STARTED): it is not
  // added again. run_id must name it.
  bool claimed_from_queue = false;
  // Where the steps run (execution/executor.hpp); unset: the run config's execution.executor, else
  // the job's choice, else in process.
  std::optional<ExecutorKind> executor{};
  // The Slurm executor's settings (core/config/slurm_settings.hpp); the run config's execution.slurm
  // replaces the fields it sets.
  SlurmSettings slurm{};
};

}  // namespace strata
