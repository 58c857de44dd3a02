// The run launcher: starts a run as a background process of its own, for `materialize --detach`,
// and for the run queue and the daemon to start runs with.
//
// The process is this program again (execution/program_command.hpp) in a new session (setsid,
// double fork: it outlives the caller and is nobody's child), running
//   <program> __detached-run RUN_ID <command...> --home HOME
// with stdin from /dev/null and stdout/stderr appended to HOME/logs/RUN_ID.log. It records the run
// itself (STARTED, with its own host and pid as the run's owner), so when it dies before the run
// ends (kill -9), Instance::reap_dead_runs marks the run FAILURE naming the pid that is gone.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace strata {

struct DetachedRunRequest {
  // The command line of the run, as run_cli takes it, without the program or --home:
  // {"materialize", "--select", "a+"} or {"job", "execute", "daily"}.
  std::vector<std::string> command{};
  std::filesystem::path home{};  // the instance (STRATA_HOME); made absolute
  std::string run_id{};          // empty: a new id
  // How to start the program: its executable's path, then the arguments its main() consumes. Empty:
  // this program again (program_command(), executed through /proc/self/exe).
  std::vector<std::string> program{};
  // How long to wait for the process to record the run before giving up.
  int start_timeout_ms = 60'000;
  // Starts the process some other way than fork + exec of `program` (the daemon's launch server,
  // daemon/run_launch_server.hpp): given the arguments after the program, the log file (its stdout
  // and stderr) and the report descriptor (its fd 3), it starts a process in a session of its own
  // that runs them, or throws (then nothing was started). Empty: fork + exec.
  std::function<void(const std::vector<std::string>& args, int log_fd, int report_fd)> start{};
};

struct DetachedRun {
  std::string run_id{};
  int64_t pid = 0;  // the background process, recorded as the run's owner
  std::filesystem::path log_file{};
};

// Thrown when the background process ended (or timed out) before recording the run: bad input it
// found, or an instance it could not use. exit_code is the process's own (2 for bad input), or 1.
class DetachedRunError : public std::runtime_error {
 public:
  DetachedRunError(const std::string& message, int exit_code) : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Starts the run and returns once the background process has recorded it as STARTED. Throws
// DetachedRunError (message: what the process printed last) when it did not, and Error when no
// process could be started.
DetachedRun launch_run_detached(const DetachedRunRequest& request);

// For the background process (run_cli's __detached-run): tells the launcher on `fd` that the run
// is recorded (once), or how the process ended when it never was.
void report_detached_started(int fd);
void report_detached_exit(int fd, int exit_code);

}  // namespace strata
