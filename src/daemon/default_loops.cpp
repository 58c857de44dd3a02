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

std::map<std::string, InstigatorState> instigator_states_by_name(Storage& storage) {
  std::map<std::string, InstigatorState> out;
  for (auto& state : storage.instigator_states()) out.emplace(state.name, std::move(state));
  return out;
}

FollowedStatus followed_status(const std::map<std::string, InstigatorState>& states, const std::string& name,
                               InstigatorStatus default_status) {
  auto found = states.find(name);
  std::optional<InstigatorStatus> stored = found == states.end() ? std::nullopt : found->second.status;
  return {effective_status(stored, default_status), !stored.has_value()};
}

}  // namespace strata
