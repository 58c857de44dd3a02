// `runs dequeue`: starts the queued runs that the instance's run_queue limits allow now, in
// submission order, each run in this process (one after another) with the display and summary of
// `materialize`. Exit code 0 when every started run succeeded (or none could start), 1 otherwise;
// a run id that is unknown or not QUEUED is a UsageError.
#pragma once

#include <string>

#include "cli_session.hpp"

namespace strata::cli {

struct DequeueOptions {
  std::string run_id{};  // only this run (an id or unique prefix), when it may start now
  bool drain = false;    // dequeue again after the started runs end, until nothing more starts
};

int runs_dequeue_command(CliSession& session, const DequeueOptions& options);

}  // namespace strata::cli
