#include "strata/execution/materialize.hpp"

#include "strata/execution/executor.hpp"
#include "strata/execution/plan.hpp"

namespace strata {

RunResult materialize(std::vector<AssetsDefinition> assets, MaterializeOptions options) {
  Definitions defs(
      {.assets = std::move(assets), .jobs = {}, .schedules = {}, .resources = std::move(options.resources)});
  RunOptions run{.instance = std::move(options.instance),
                 .run_config = std::move(options.run_config),
                 .strata_home = std::move(options.strata_home),
                 .max_concurrency = options.max_concurrency,
                 .run_id = std::move(options.run_id),
                 .tags = std::move(options.tags),
                 .on_event = std::move(options.on_event),
                 .keep_outputs = true,
                 .partition_keys = std::move(options.partition_keys),
                 .cancellation = std::move(options.cancellation)};
  if (!options.partition_key.empty()) run.partition_keys.insert(run.partition_keys.begin(), options.partition_key);
  return materialize(defs, options.selection.value_or(AssetSelection::all()), std::move(run));
}

RunResult materialize(const Definitions& defs, const AssetSelection& selection, RunOptions options) {
  ExecutionPlan plan = ExecutionPlan::for_assets(defs, selection.resolve(defs.asset_graph()));
  return execute_plan(plan, std::move(options));
}

RunResult execute_job(const Definitions& defs, const std::string& job_name, RunOptions options) {
  ExecutionPlan plan = ExecutionPlan::for_job(defs, defs.job(job_name));
  return execute_plan(plan, std::move(options));
}

RunResult execute_in_process(const JobDefinition& job, RunOptions options) {
  Definitions defs({.assets = {}, .jobs = {job}, .schedules = {}, .resources = {}});
  return execute_job(defs, job.name(), std::move(options));
}

}  // namespace strata
