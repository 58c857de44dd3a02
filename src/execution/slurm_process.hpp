// SlurmProcess: one `srun` or `salloc` the Slurm executor starts and watches: srun for a step (it
// asks slurmctld for an allocation or a step in the run's allocation, launches the step worker and
// exits when the worker does), salloc for a run's allocation. What the command itself says (`-v`:
// the job id once allocated or queued, the step id, its errors) goes to an anonymous in-memory file
// that this class reads. It runs in a process group of its own, so a Ctrl-C at the terminal reaches
// the run (which cancels through Slurm) and not the command directly.
//
// Owned by one thread at a time; not thread-safe. The destructor ends a command that still runs
// (SIGTERM, then SIGKILL after 5 s) and always reaps it. The constructor throws SlurmError when it cannot be started.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace strata::detail {

class SlurmProcess {
 public:
  // Starts `<program> -v <options...> [-- <command...>]` with the environment of this process plus
  // `extra_env` ("NAME=value" each; kept out of the command line, which `ps` shows to everyone).
  SlurmProcess(const std::string& program, const std::vector<std::string>& options,
               const std::vector<std::string>& command, const std::vector<std::string>& extra_env);
  ~SlurmProcess();
  SlurmProcess(const SlurmProcess&) = delete;
  SlurmProcess& operator=(const SlurmProcess&) = delete;

  // The Slurm job id the command was given (allocated or queued), or "" while it has said none yet.
  std::string job_id();
  // The job step srun launched ("11.3"), or "" while it has said none.
  std::string step_id();
  // Whether the command said the job is queued, waiting for resources (and not yet that it got them).
  bool queued();
  // The command's wait status once it has exited (non-blocking), nullopt while it runs.
  std::optional<int> exit_status();
  // Waits for the command to exit; its wait status.
  int wait();
  // Sends `signal` to the command (SIGTERM: revoke a pending allocation, or end the running step).
  void signal(int signal) const;
  // The command's own error lines ("srun: error: ..."), joined with "; "; what it said last when none.
  std::string errors();
  // The command line, for messages (the environment is not in it).
  const std::string& command_line() const { return command_line_; }

 private:
  std::string said();

  pid_t pid_ = -1;
  int said_fd_ = -1;  // memfd holding the command's stderr
  std::optional<int> status_;
  std::string job_id_;
  std::string command_line_;
};

}  // namespace strata::detail
