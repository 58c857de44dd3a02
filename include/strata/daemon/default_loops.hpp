// The daemon's loops for a Definitions: schedules and sensors (this layer), plus the loops other
// layers add (run queue, backfills). The `daemon` and `dev` commands run exactly these.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/core/definitions/definitions.hpp"
#include "strata/daemon/daemon_loop.hpp"
#include "strata/storage/instance.hpp"

namespace strata {

std::vector<std::unique_ptr<DaemonLoop>> default_daemon_loops(std::shared_ptr<const Definitions> defs,
                                                              std::shared_ptr<Instance> instance);

// Whether a schedule or sensor runs: the status set in the instance, else the code's default.
InstigatorStatus effective_status(const std::optional<InstigatorStatus>& stored, InstigatorStatus default_status);

// Every schedule's and sensor's stored state (Storage::instigator_states), by name.
std::map<std::string, InstigatorState> instigator_states_by_name(Storage& storage);

// The status the daemon follows for `name` among `states`, and whether it is the code's default
// (nothing stored for it).
struct FollowedStatus {
  InstigatorStatus status;
  bool is_default;
};
FollowedStatus followed_status(const std::map<std::string, InstigatorState>& states, const std::string& name,
                               InstigatorStatus default_status);

}  // namespace strata
