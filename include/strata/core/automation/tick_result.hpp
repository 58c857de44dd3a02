// What one evaluation of a schedule or a sensor (a "tick") asks for: runs to request, or a reason to
// skip, and for sensors the cursor to keep until the next evaluation. Plain values, copied freely.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/config/run_config.hpp"

namespace strata {

// Whether a schedule or sensor is evaluated by the daemon. The instance keeps the status set with
// `schedule start|stop` / `sensor start|stop`; without one, the definition's default_status holds.
enum class InstigatorStatus { kStopped, kRunning };
const char* instigator_status_name(InstigatorStatus status);  // "RUNNING", "STOPPED"

// One run a tick requests. A run key identifies the run across ticks and daemons: of the requests
// with the same key from one schedule or sensor, one run is created, ever (the instance remembers
// the keys). Schedules default it to the tick's time; a sensor request without one always runs.
struct TickRunRequest {
  std::string run_key{};
  std::string job_name{};       // empty: the schedule's or sensor's job
  std::string partition_key{};  // empty: unpartitioned (a partitioned schedule fills it in)
  RunConfig run_config{};
  std::map<std::string, std::string> tags{};
};

struct TickResult {
  std::vector<TickRunRequest> run_requests{};
  std::string skip_reason{};            // recorded when there are no run requests
  std::optional<std::string> cursor{};  // sensors: kept for the next evaluation (absent: unchanged)

  static TickResult skip(std::string reason) { return {{}, std::move(reason), std::nullopt}; }
};

}  // namespace strata
