// The executor: runs a plan's ready steps concurrently (RunOptions::max_concurrency, default =
// cores), in dependency order. A failed step's downstream is skipped while independent branches
// finish; exceptions from user code become step failures with message and type.
//
// Where the steps run is the run's ExecutorKind (RunOptions::executor, else the run config's
// execution.executor, else the job's JobOptions::executor, else in process):
// - in_process: on a pool of threads of this process;
// - multiprocess: each step in a child process of this program (program_command.hpp; its main must
//   hand its arguments to strata::run_cli, which serves the hidden worker command: a step server
//   started once per run forks a process for each step), at most max_concurrency at once. The step loads its inputs and
//   stores its outputs through the I/O managers as in process, and sends its events to this process, which records
//   them. A step whose process crashes fails with how it died ("step 'x' was killed by signal 11 (SIGSEGV)"); output
//   values are not kept in the RunResult. I/O managers that cannot share data across processes
//   (InMemoryIOManager) are refused with a DefinitionError before the run is recorded.
#pragma once

#include <string>

#include "strata/execution/plan.hpp"
#include "strata/execution/run_options.hpp"
#include "strata/execution/run_result.hpp"

namespace strata {

RunResult execute_plan(const ExecutionPlan& plan, RunOptions options);

// Throws PartitionError, before anything runs, for partition keys that do not fit `plan`: a
// partitioned selection without keys, keys for an unpartitioned one, assets partitioned
// differently, keys that are not partitions of the assets (dynamic ones looked up in `store`, which
// may be null), several keys for outputs whose managers cannot store a range.
void validate_partition_keys(const ExecutionPlan& plan, const std::vector<std::string>& keys,
                             DynamicPartitionsStore* store);

namespace detail {
// The multi-process executor's hidden worker command, served by run_cli: the step server of one run
// (multiprocess_executor.cpp), on the control socket `fd`. Returns the exit code.
int run_step_worker(const Definitions& defs, int fd);
// The Slurm executor's worker command (`__step-worker --connect HOST:PORT`, slurm_launcher.cpp): runs
// the step of the run at `address` that the token in $STRATA_STEP_TOKEN names. Returns the exit code.
int run_slurm_step_worker(const Definitions& defs, const std::string& address);
}  // namespace detail

}  // namespace strata
