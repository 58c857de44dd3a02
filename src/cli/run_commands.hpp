// The commands that launch runs: materialize, job execute, backfill. Each validates everything it
// was given (selection, job name, partitions, run config) before anything runs — bad input is a
// UsageError — then runs with a ProgressDisplay and prints a summary: status, each step's time, and
// where every materialization was stored. Exit code 0 only when every run succeeded.
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
  bool queue = false;  // materialize, job execute: submit to the run queue instead of running
};

int materialize_command(CliSession& session, const RunCommandOptions& options);
int job_execute_command(CliSession& session, const RunCommandOptions& options);
int backfill_command(CliSession& session, const RunCommandOptions& options);

// Runs a queued run claimed by this process, with the progress display and summary of the other
// run commands; the exit code as theirs. Throws what execute_queued_run throws.
int execute_claimed_run(CliSession& session, const QueuedRun& run);

}  // namespace strata::cli
