// Re-execution: a new run of what an earlier (finished) run ran, or of part of it, that reads the
// unchanged upstream outputs of that run through the I/O managers.
//
//   auto plan = strata::plan_reexecution(defs, instance->storage(), "3f2a...", {.from_failure = true});
//   RunResult result = strata::execute_plan(plan.plan, plan.options);   // options.instance to set
//
// The new run carries the tags strata/parent_run_id and strata/root_run_id (the first run of the
// chain), the parent's tags, partitions and run config (literal secrets are never stored, so a
// parent run config with masked values must be given again).
#pragma once

#include <string>
#include <vector>

#include "strata/core/definitions/definitions.hpp"
#include "strata/execution/plan.hpp"
#include "strata/execution/run_options.hpp"
#include "strata/storage/storage.hpp"

namespace strata {

struct ReexecutionRequest {
  bool from_failure = false;              // only the steps that did not succeed (and so their downstream)
  std::vector<std::string> steps{};       // or these steps (step keys; for asset runs, asset keys too)
  std::optional<RunConfig> run_config{};  // replaces the parent's stored run config
};

struct ReexecutionPlan {
  ExecutionPlan plan;
  RunOptions options;  // partition keys, tags and run config of the new run; instance not set
  std::string parent_run_id;
  std::string root_run_id;
};

// Throws Error (naming the run, step or asset at fault) when the run is unknown or not finished,
// ran a job or assets these Definitions do not have, ran steps that no longer exist, when
// `from_failure` is asked of a run that succeeded, or when a requested step is not in the run.
ReexecutionPlan plan_reexecution(const Definitions& defs, Storage& storage, const std::string& parent_run_id,
                                 const ReexecutionRequest& request);

}  // namespace strata
