// validate_partition_keys (execution/executor.hpp): the partition keys of a run checked against
// its plan before anything runs.
#include "strata/core/partitions/per_partition.hpp"
#include "strata/execution/executor.hpp"

namespace strata {

namespace {

std::string owner_name(const NodeDef& node) {
  if (node.outputs.size() == 1 && node.outputs[0].asset_key) return node.outputs[0].asset_key->to_string();
  return node.name;
}

// A run of several partitions: every asset output it stores must be storable as a range by its
// manager, or come as PerPartition values (checked on the resources' definitions; run config
// changes fields, never a manager's kind).
void validate_partition_ranges(const ExecutionPlan& plan) {
  for (const auto& step : plan.steps()) {
    if (!step.node->partitions) continue;
    for (size_t i = 0; i < step.node->outputs.size(); ++i) {
      const std::string& key = step.output_managers[i];
      auto it = plan.resources().find(key);
      std::string problem = partition_range_problem(step.node->outputs[i], key,
                                                    it == plan.resources().end() ? nullptr : &it->second.prototype());
      if (!problem.empty()) throw PartitionError(problem);
    }
  }
}

}  // namespace

// Refuses, before anything runs, a partitioned selection without keys, keys for an unpartitioned
// selection, assets partitioned differently, and keys that are not partitions of the assets.
void validate_partition_keys(const ExecutionPlan& plan, const std::vector<std::string>& keys,
                             DynamicPartitionsStore* store) {
  const NodeDef* partitioned = nullptr;
  const NodeDef* plain = nullptr;
  for (const auto& step : plan.steps()) {
    const NodeDef& node = *step.node;
    if (!node.partitions) {
      if (!plain) plain = &node;
      continue;
    }
    if (partitioned && !partitioned->partitions->same_as(*node.partitions)) {
      throw PartitionError("assets '" + owner_name(*partitioned) + "' (" + partitioned->partitions->describe() +
                           ") and '" + owner_name(node) + "' (" + node.partitions->describe() +
                           ") are partitioned differently; materialize them in separate runs");
    }
    if (!partitioned) partitioned = &node;
  }
  if (partitioned && keys.empty()) {
    throw PartitionError("asset '" + owner_name(*partitioned) + "' is partitioned (" +
                         partitioned->partitions->describe() + "): give a partition key, " +
                         partitioned->partitions->format_hint(store));
  }
  if (!partitioned && !keys.empty()) {
    throw PartitionError("partition key '" + keys.front() + "' given, but " +
                         (plain ? "asset '" + owner_name(*plain) + "' is" : std::string("the selected assets are")) +
                         " not partitioned");
  }
  for (const auto& key : keys) partitioned->partitions->validate_key(key, owner_name(*partitioned), store);
  if (keys.size() > 1) validate_partition_ranges(plan);
}

}  // namespace strata
