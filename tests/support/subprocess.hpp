// Runs a program to completion and captures what it printed (stdout and stderr together).
#pragma once

#include <optional>
#include <string>
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
  std::vector<std::string> extra_env;  // "NAME=value" entries added to the environment
};

// Runs argv[0] (looked up on PATH) with the arguments; throws std::system_error if it cannot start.
CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});

// The path of `name` on PATH, or empty if it is not there.
std::string find_on_path(const std::string& name);

}  // namespace strata::testing
