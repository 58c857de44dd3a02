// Step config: the config object each step of a run takes (an asset's or op's config struct,
// core/config/config_schema.hpp), built from the run config's `ops:` section before the run starts.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "strata/core/config/run_config.hpp"
#include "strata/core/types/value.hpp"
#include "strata/execution/plan.hpp"

namespace strata {

// One Value per step of `plan`, in step order: the step's config struct with run_config's
// ops.<step key>.config applied and EnvVar fields resolved, or an empty Value when the step's
// function takes no config. Throws ConfigError, one line naming the step (and field), when the
// ops section names a step the plan does not run (with the nearest step name), gives config to a
// step that takes none, or a field is unknown, of the wrong type, required and unset, or reads an
// unset environment variable. Nothing is run or recorded by this check.
std::vector<Value> configure_steps(const ExecutionPlan& plan, const RunConfig& run_config);

// The run config as the run record stores it: masked_run_config, with ops.<step>.config of every
// step that takes config replaced by the values it runs with (`configs`, from configure_steps):
// defaults included, EnvVar sources as {"env": NAME}, secrets masked.
nlohmann::json recorded_run_config(const ExecutionPlan& plan, const RunConfig& run_config,
                                   const std::vector<Value>& configs);

}  // namespace strata
