// Runs a program to completion and captures what it printed (stdout and stderr together).
#pragma once

#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace strata::testing {

struct CommandResult {
  int exit_code = -1;  // the program's exit status, or 128 + signal number when killed
  std::string output;  // stdout and stderr, interleaved as written
};

struct CommandOptions {
  // Run as this system user (only when the caller is root; used to start PostgreSQL, which refuses
  // to run as root).
  std::optional<std::string> user;
  std::vector<std::string> extra_env;  // "NAME=value" entries added to the environment (replacing NAME)
};

// Runs argv[0] (looked up on PATH) with the arguments; throws std::system_error if it cannot start.
CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});

// A running child whose stdout+stderr the parent reads line by line.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const CommandOptions& options = {});
  ~Child();  // kills (SIGKILL) and reaps the child if it is still running
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  int pid() const { return pid_; }
  // The next line the child printed (without '\n'); nullopt at end of output.
  std::optional<std::string> read_line();
  // Sends `signal`, then waits; returns the exit status as CommandResult::exit_code does.
  int kill_and_wait(int signal);
  int wait();
  // Keeps reading (and dropping) the child's output on a background thread, so a long-running
  // child never blocks on a full pipe; stops when the child exits.
  void discard_output();

 private:
  std::thread drain_;
  int pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
  bool reaped_ = false;
  int status_ = 0;
};

// The path of `name` on PATH, or empty if it is not there.
std::string find_on_path(const std::string& name);

}  // namespace strata::testing
