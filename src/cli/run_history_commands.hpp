// The commands that read recorded runs: runs (a filtered list) and logs (one run's events,
// optionally following the run until it ends).
#pragma once

#include <string>

#include "cli_session.hpp"

namespace strata::cli {

struct RunsCommandOptions {
  std::string status{};  // QUEUED, STARTED, SUCCESS, FAILURE, CANCELED (any case)
  std::string job{};
  std::string asset{};
  int limit = 20;
};

int runs_command(CliSession& session, const RunsCommandOptions& options);
// The run `text` names: an exact id, or the only id starting with it. UsageError otherwise.
RunRecord find_run(CliSession& session, const std::string& text);
// `run_id` may be a unique prefix of a run id (as `runs` shows them).
int logs_command(CliSession& session, const std::string& run_id, bool follow);
// Asks a run to stop (Instance::cancel_run); with `wait`, waits until it has stopped and prints how
// it ended. Unknown and finished runs are usage errors.
int cancel_command(CliSession& session, const std::string& run_id, bool wait);

}  // namespace strata::cli
