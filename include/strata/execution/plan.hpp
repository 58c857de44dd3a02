// ExecutionPlan: the steps of one run and how data flows between them, derived from Definitions
// and either an asset selection or an op job. Building it is linear in steps + edges.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "strata/core/definitions/definitions.hpp"

namespace strata {

struct PlanInput {
  int step = -1;   // the producing step in this run, or -1 when loaded from storage / externally
  int output = 0;  // output index within the producing node
  const NodeDef* upstream_node = nullptr;      // null when nothing defines the data (input managers)
  const OutputDef* upstream_output = nullptr;  // likewise
  std::string upstream_step_key{};
  std::string manager_key{};  // the manager that loads it
  // For an input whose producing step is not in this run (step == -1) in a re-execution: the run
  // that stored the upstream output (op outputs live under their run's id); empty otherwise.
  std::string from_run_id{};
  // Which upstream partitions a step's partitions read; null when the upstream is not partitioned.
  PartitionMappingPtr mapping{};
};

struct PlanStep {
  std::string key{};
  NodePtr node{};
  std::vector<PlanInput> inputs{};             // one per node input
  std::vector<std::string> output_managers{};  // one per node output
  std::optional<RetryPolicy> retry_policy{};   // the node's, else the job's default
  std::vector<int> upstream{};                 // steps this one waits for (data and deps)
  std::vector<int> downstream{};
};

class ExecutionPlan {
 public:
  // Steps for the assets `selected` (source assets are skipped); with `job`, its resources apply.
  static ExecutionPlan for_assets(const Definitions& defs, const std::vector<AssetKey>& selected,
                                  const JobDefinition* job = nullptr);
  static ExecutionPlan for_job(const Definitions& defs, const JobDefinition& job);

  // The plan of a re-execution: only the steps of this plan named in `step_keys`, in the same
  // order; inputs produced by the other steps are loaded through their I/O managers as run
  // `parent_run_id` stored them (op outputs under that run's id, assets at their keys). Throws
  // DefinitionError naming a step this plan does not have.
  ExecutionPlan subset(const std::set<std::string>& step_keys, const std::string& parent_run_id) const;

  const std::string& job_name() const { return job_name_; }
  const std::vector<PlanStep>& steps() const { return steps_; }
  const std::map<std::string, ResourceDefinition>& resources() const { return resources_; }
  // Every resource key some step uses (managers and required resources), sorted.
  std::vector<std::string> required_resource_keys() const;
  // The selected asset keys, in dependency order (empty for op jobs).
  const std::vector<AssetKey>& asset_keys() const { return asset_keys_; }
  // The job's executor choice (JobOptions::executor), unset without a job or choice.
  const std::optional<ExecutorKind>& job_executor() const { return job_executor_; }

 private:
  void link();

  std::string job_name_;
  std::vector<PlanStep> steps_;
  std::map<std::string, ResourceDefinition> resources_;
  std::vector<AssetKey> asset_keys_;
  std::optional<ExecutorKind> job_executor_;
};

}  // namespace strata
