// `runs reconcile RUN_ID [--force]`: settles a run of the Slurm executor whose coordinating process
// is gone (execution/slurm_reconcile.hpp) and prints each of its Slurm jobs, what was cancelled,
// the run's status, and how to run the rest again.
#pragma once

#include <string>

#include "cli_session.hpp"

namespace strata::cli {

struct ReconcileOptions {
  bool force = false;
};

int reconcile_command(CliSession& session, const std::string& run_text, const ReconcileOptions& options);

}  // namespace strata::cli
