// StepResources: what one step asks of the machine that runs it — CPUs, memory, GPUs, a time limit
// and a partition. Set on an asset or op (`.resources = {.cpus = 4, .mem = "8G"}`); executors that
// place steps on a cluster translate it (the Slurm executor: --cpus-per-task, --mem, --gres=gpu:N,
// --time, --partition); the in-process and multi-process executors ignore it. A plain value type.
#pragma once

#include <string>
#include <vector>

namespace strata {

struct StepResources {
  int cpus = 0;             // 0: the cluster's default (one)
  std::string mem{};        // "512M", "8G", "1024" (MB); empty: the cluster's default
  int gpus = 0;             // GPUs (a generic resource named "gpu")
  std::string time{};       // a time limit as Slurm writes it: "30", "10:00", "2:00:00", "1-12"; empty: none
  std::string partition{};  // empty: the run's partition, else the cluster's default

  bool empty() const { return cpus == 0 && mem.empty() && gpus == 0 && time.empty() && partition.empty(); }
  // Throws DefinitionError naming `owner` ("asset 'x'") and the field when a field is malformed.
  void validate(const std::string& owner) const;
  // The srun/sbatch options asking for these resources ("--cpus-per-task=4", "--mem=8G", ...).
  std::vector<std::string> slurm_options() const;
};

}  // namespace strata
