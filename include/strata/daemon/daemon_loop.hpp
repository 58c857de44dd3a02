// DaemonLoop: one kind of background work of the daemon (schedules, sensors, the run queue,
// backfills). The daemon owns its loops, calls each one's run_once() from one thread of its own every
// interval(), records a heartbeat per loop in the instance after each pass, and records (never
// rethrows) what a pass throws, so one broken loop never stops the others.
#pragma once

#include <chrono>
#include <string>

#include "strata/daemon/clock.hpp"

namespace strata {

class DaemonLoop {
 public:
  virtual ~DaemonLoop() = default;
  // A stable name ("schedules", "sensors", "run_queue", "backfills"): heartbeats and logs use it.
  virtual std::string name() const = 0;
  // How long the daemon waits between two passes.
  virtual std::chrono::milliseconds interval() const = 0;
  // One pass at time `now`: does the work that is due and returns. Called from one thread at a time.
  // May throw; the daemon records the error on the loop's heartbeat and calls it again next interval.
  virtual void run_once(Clock::time_point now) = 0;
};

}  // namespace strata
