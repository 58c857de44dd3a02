// SlurmSettings: how the Slurm executor submits a run's steps — with srun or sbatch, the partition,
// extra job options, the address steps connect back to, how often job states are polled, and where
// a job's own output goes. Given in code (RunOptions::slurm) or in run config:
//
//   execution:
//     executor: slurm
//     slurm:
//       launch: srun                            # or sbatch, or allocation
//       allocation: ["--ntasks=8", "--time=2:00:00"]   # with launch: allocation
//       partition: batch
//       job_options: ["--account=analytics", "--qos=normal"]
//       coordinator_host: login1.example.org   # default: this machine's host name
//       poll_ms: 50
//       output: /shared/logs/strata-%j.log      # default: $STRATA_HOME/logs/slurm-%j.log
//
// A field the run config sets replaces the one given in code. A plain value type.
#pragma once

#include <string>
#include <vector>

namespace strata {

struct SlurmSettings {
  // How each step becomes Slurm work: a job of its own started with `srun`, which the run watches
  // (the default: it starts as soon as its resources are free); a batch job submitted with
  // `sbatch` (queued by Slurm alone; each waits for slurmctld's scheduler, about a second on a
  // quiet cluster); or a job step (`srun --jobid`) in one allocation the run holds (`salloc`) for
  // its whole life: the fastest for many short steps, with every step in the allocation's partition.
  enum class Launch { kSrun, kSbatch, kAllocation };

  Launch launch = Launch::kSrun;
  // With Launch::kAllocation, salloc's options sizing the allocation (each "--name=value"); empty:
  // --ntasks=<the run's concurrency> and each task the most CPUs and GPUs one step asks for.
  std::vector<std::string> allocation{};
  std::string partition{};                 // empty: the cluster's default (a step's resources.partition wins)
  std::vector<std::string> job_options{};  // given to every srun/sbatch; each "--name" or "--name=value"
  std::string coordinator_host{};          // empty: this machine's host name
  int poll_ms = 50;                        // squeue is asked for the states of the run's jobs this often
  std::string output{};                    // sbatch --output pattern; empty: $STRATA_HOME/logs/slurm-%j.log
};

}  // namespace strata
