// The commands that launch runs: materialize, job execute, backfill. Each validates everything it
// was given (selection, job name, partitions, run config) before anything runs — bad input is a
// UsageError — then runs with a ProgressDisplay and prints a summary: status, each step's time, and
// where every materialization was stored. Exit code 0 only when every run succeeded. Ctrl-C (or
// SIGTERM) cancels the run (its steps stop, it ends CANCELED); a second one ends the process.
#pragma once

#include <string>
#include <vector>

#include "cli_session.hpp"
#include "strata/storage/run_queue.hpp"

namespace strata::cli {

struct RunCommandOptions {
  std::string select{};                   // materialize, backfill: selection syntax
  std::string job{};                      // job execute
  std::string partition{};                // one partition
  std::string from{};                     // a partition range, inclusive
  std::string to{};                       //
  std::vector<std::string> partitions{};  // backfill: these partitions
  bool all_partitions = false;            // backfill: every partition
  std::string config_file{};              // run config (YAML or JSON)
  int max_concurrency = 0;
  std::vector<std::string> tags{};  // "key=value"
  std::string log_level = "info";
  bool queue = false;      // materialize, job execute: submit to the run queue instead of running
  std::string executor{};  // in_process or multiprocess; empty: run config, then the job's choice
  bool detach = false;     // start the run as a background process and return
};

int materialize_command(CliSession& session, const RunCommandOptions& options);
int job_execute_command(CliSession& session, const RunCommandOptions& options);
int backfill_command(CliSession& session, const RunCommandOptions& options);

struct ReexecuteCommandOptions {
  bool from_failure = false;       // only what did not succeed
  std::vector<std::string> steps;  // or these steps / assets
  RunCommandOptions run;           // --config, --tag, --max-concurrency, --log-level
};
// A new run of what run `run_id` (or a unique prefix) ran, or of part of it (execution/reexecution.hpp).
int reexecute_command(CliSession& session, const std::string& run_id, const ReexecuteCommandOptions& options);
// Runs a queued run claimed by this process, with the progress display and summary of the other
// run commands; the exit code as theirs. Throws what execute_queued_run throws.
int execute_claimed_run(CliSession& session, const QueuedRun& run);

}  // namespace strata::cli
