#include "strata/daemon/default_loops.hpp"

#include "strata/daemon/schedule_loop.hpp"
#include "strata/daemon/sensor_loop.hpp"

namespace strata {

std::vector<std::unique_ptr<DaemonLoop>> default_daemon_loops(std::shared_ptr<const Definitions> defs,
                                                              std::shared_ptr<Instance> instance) {
  std::vector<std::unique_ptr<DaemonLoop>> loops;
  loops.push_back(std::make_unique<ScheduleLoop>(defs, instance));
  loops.push_back(std::make_unique<SensorLoop>(defs, instance));
  return loops;
}

InstigatorStatus effective_status(const std::optional<InstigatorStatus>& stored, InstigatorStatus default_status) {
  return stored.value_or(default_status);
}

}  // namespace strata
