// SlurmClient: Slurm's own client commands (sbatch, squeue, scontrol, scancel), run as child
// processes of this one with SLURM_CONF and the rest of the environment inherited. The Slurm
// executor, `runs reconcile` and the tests use it; nothing here talks to slurmctld any other way.
// Stateless and thread-safe. Every method throws SlurmError naming the command that failed and
// what it printed (a command that is not installed says so).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/util/error.hpp"

namespace strata {

// Slurm not installed or not answering, or one of its commands refused what it was asked.
class SlurmError : public Error {
 public:
  using Error::Error;
  const char* code() const noexcept override { return "slurm_error"; }
};

// One job as squeue or scontrol shows it.
struct SlurmJob {
  std::string id{};
  std::string state{};      // PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, ...
  std::string reason{};     // why it is pending, or how it ended ("None" when nothing to say)
  std::string name{};       // --job-name
  std::string comment{};    // --comment
  std::string exit_code{};  // "EXIT:SIGNAL" (scontrol only; "" from squeue)

  // Ended, however it ended.
  bool finished() const;
  // Pending for a reason Slurm will not get over by itself (the request exceeds every node of the
  // partition, an unknown account or QOS, ...).
  bool unrunnable() const;
  // How it ended or why it cannot run, in words: "was cancelled (CANCELLED)", "hit its time limit
  // (TIMEOUT)", "failed with exit code 3 (FAILED)".
  std::string describe() const;
};

class SlurmClient {
 public:
  // Submits `script` (a batch script, given on sbatch's standard input) with `options`; the job id.
  // `extra_env` ("NAME=value" each) is added to sbatch's environment, which the job inherits.
  std::string submit(const std::vector<std::string>& options, const std::string& script,
                     const std::vector<std::string>& extra_env = {}) const;
  // The jobs of `ids` Slurm still knows, finished ones included (squeue --states=all).
  std::map<std::string, SlurmJob> jobs(const std::vector<std::string>& ids) const;
  // Every job Slurm still knows whose comment is `comment`.
  std::vector<SlurmJob> jobs_with_comment(const std::string& comment) const;
  // One job as `scontrol show job` shows it (exit code included); nullopt when Slurm no longer knows it.
  std::optional<SlurmJob> show(const std::string& id) const;
  // Who gets a signal that scancel sends rather than ending the job.
  enum class SignalTarget { kBatchScript, kSteps };
  // scancel: the whole job; or, given `signal`, only that signal to the job's batch script
  // (scancel --batch --signal) or to its steps, such as srun's task (scancel --signal).
  void cancel(const std::string& id, const std::string& signal = "",
              SignalTarget target = SignalTarget::kBatchScript) const;
  // scontrol ping: throws SlurmError with what it printed when slurmctld does not answer.
  void ping() const;
};

}  // namespace strata
