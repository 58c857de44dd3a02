// The hidden `__daemon-loops` command: runs the daemon's run-queue and backfill loops
// (daemon/run_queue_daemon_loop.hpp, daemon/backfill_daemon_loop.hpp) one pass after the other,
// every `interval`, until the process is stopped (SIGTERM, SIGINT, or kill -9: all state is in the
// instance). An error of one pass is printed and the loops go on. The `daemon` command runs these
// loops beside the schedules' and sensors'.
#pragma once

#include <chrono>

#include "cli_session.hpp"

namespace strata::cli {

inline constexpr const char* kDaemonLoopsCommand = "__daemon-loops";

int daemon_loops_command(CliSession& session, std::chrono::milliseconds interval);

}  // namespace strata::cli
