// Step config: the config object each step of a run takes (an asset's or op's config struct,
// core/config_schema.hpp), built from the run config's `ops:` section before the run starts.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "strata/core/run_config.hpp"
#include "strata/core/value.hpp"
#include "strata/execution/plan.hpp"

namespace strata {

// One Value per step of `plan`, in step order: the step's config struct with run_config's
// ops.<step key>.config applied and EnvVar fields resolved, or an empty Value when the step's
// function takes no config. Throws ConfigError, one line naming the step (and field), when the
// ops section names a step the plan does not run (with the nearest step name), gives config to a
// step that takes none, or a field is unknown, of the wrong type, required and unset, or reads an
// unset environment variable. Nothing is run or recorded by this check.
std::vector<Value> configure_steps(const ExecutionPlan& plan, const RunConfig& run_config);

// Step key → the secret fields of its config struct, for masked_run_config (steps with none left out).
std::map<std::string, std::vector<std::string>> step_config_secrets(const ExecutionPlan& plan);

}  // namespace strata
