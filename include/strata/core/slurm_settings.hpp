// SlurmSettings: how the Slurm executor submits a run's steps — the partition, extra sbatch
// options, the address steps connect back to, how often job states are polled, and where a job's
// own output goes. Given in code (RunOptions::slurm) or in run config:
//
//   execution:
//     executor: slurm
//     slurm:
//       partition: batch
//       sbatch_options: ["--account=analytics", "--qos=normal"]
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
  std::string partition{};                    // empty: the cluster's default (a step's resources.partition wins)
  std::vector<std::string> sbatch_options{};  // each "--name" or "--name=value"
  std::string coordinator_host{};             // empty: this machine's host name
  int poll_ms = 50;                           // squeue is asked for the states of the run's jobs this often
  std::string output{};                       // sbatch --output pattern; empty: $STRATA_HOME/logs/slurm-%j.log
};

}  // namespace strata
