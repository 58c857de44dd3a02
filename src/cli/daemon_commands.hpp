// The commands of the daemon and of its schedules and sensors:
//   daemon                   runs the daemon until Ctrl-C / SIGTERM (a second daemon on the
//                            instance stands by, saying which one is active)
//   daemon status            the active daemon (lease) and each loop's last heartbeat and error
//   schedule list|start|stop|preview|ticks NAME
//   sensor list|start|stop|preview|ticks NAME
// Unknown names are UsageErrors naming the nearest one.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "cli_session.hpp"
#include "strata/daemon/daemon.hpp"

namespace strata::cli {

int daemon_command(CliSession& session);
// The daemon of `session`'s program with every loop (schedules, sensors, backfills, the run queue),
// not started; it prints its state changes and what it launches under `output`.
std::unique_ptr<Daemon> make_daemon(CliSession& session, std::shared_ptr<std::mutex> output);
int daemon_status_command(CliSession& session);

// `kind` is "schedule" or "sensor"; `action` one of list, start, stop, preview, ticks.
struct InstigatorCommand {
  std::string kind{};
  std::string action{};
  std::string name{};
  int count = 5;  // preview: ticks shown; ticks: ticks listed
};
int instigator_command(CliSession& session, const InstigatorCommand& command);

}  // namespace strata::cli
