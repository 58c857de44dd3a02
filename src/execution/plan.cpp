#include "strata/execution/plan.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

namespace strata {
namespace {

std::string manager_for_output(const OutputDef& out) { return Definitions::io_manager_key_for(out); }

void add_unique(std::vector<int>& list, int value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

std::optional<RetryPolicy> retry_policy_for(const NodeDef& node, const JobDefinition* job) {
  if (node.retry_policy) return node.retry_policy;
  return job ? job->op_retry_policy() : std::nullopt;
}

}  // namespace

ExecutionPlan ExecutionPlan::for_assets(const Definitions& defs, const std::vector<AssetKey>& selected,
                                        const JobDefinition* job) {
  ExecutionPlan plan;
  plan.job_name_ = job ? job->name() : "__ASSET_JOB";
  if (job) plan.job_executor_ = job->executor();
  plan.resources_ = defs.resources_for(job);
  const AssetGraph& graph = defs.asset_graph();

  // One step per node that produces a selected asset (a multi-asset runs whole).
  std::unordered_map<const NodeDef*, int> step_of;
  step_of.reserve(selected.size());
  for (const auto& key : selected) {
    const auto& entry = graph.entry(graph.at(key, "materialize: "));
    if (entry.is_source) continue;
    plan.asset_keys_.push_back(key);
    if (step_of.count(entry.node.get())) continue;
    step_of.emplace(entry.node.get(), static_cast<int>(plan.steps_.size()));
    PlanStep step;
    step.key = entry.node->name;
    step.node = entry.node;
    step.retry_policy = retry_policy_for(*entry.node, job);
    plan.steps_.push_back(std::move(step));
  }

  for (auto& step : plan.steps_) {
    const NodeDef& node = *step.node;
    for (const auto& out : node.outputs) step.output_managers.push_back(manager_for_output(out));
    for (const auto& in : node.inputs) {
      PlanInput input;
      int up = graph.find(*in.asset_key);
      if (up >= 0) {
        const auto& entry = graph.entry(up);
        input.upstream_node = entry.node.get();
        input.upstream_output = &entry.node->outputs[static_cast<size_t>(entry.output_index)];
        input.output = entry.output_index;
        input.upstream_step_key = entry.node->name;
        auto producer = step_of.find(entry.node.get());
        if (producer != step_of.end()) input.step = producer->second;
      }
      if (!in.input_manager_key.empty()) {
        input.manager_key = in.input_manager_key;
      } else {
        input.manager_key = manager_for_output(*input.upstream_output);
      }
      if (input.upstream_node != nullptr && input.upstream_node->partitions) {
        input.mapping = in.partition_mapping
                            ? in.partition_mapping
                            : default_partition_mapping(node.partitions.get(), *input.upstream_node->partitions,
                                                        "asset input '" + in.name + "'");
      }
      if (input.step >= 0) add_unique(step.upstream, input.step);
      step.inputs.push_back(std::move(input));
    }
    for (const auto& dep : node.deps) {
      auto producer = step_of.find(graph.entry(graph.find(dep)).node.get());
      if (producer != step_of.end()) add_unique(step.upstream, producer->second);
    }
  }
  plan.link();
  return plan;
}

ExecutionPlan ExecutionPlan::for_job(const Definitions& defs, const JobDefinition& job) {
  if (job.kind() == JobDefinition::Kind::kAssets) {
    return for_assets(defs, job.selection().resolve(defs.asset_graph()), &job);
  }
  ExecutionPlan plan;
  plan.job_name_ = job.name();
  plan.job_executor_ = job.executor();
  plan.resources_ = defs.resources_for(&job);
  for (const auto& invocation : job.invocations()) {
    PlanStep step;
    step.key = invocation.step_key;
    step.node = invocation.node;
    step.retry_policy = retry_policy_for(*invocation.node, &job);
    for (const auto& out : invocation.node->outputs) step.output_managers.push_back(manager_for_output(out));
    for (size_t i = 0; i < invocation.inputs.size(); ++i) {
      const OutputHandle& handle = invocation.inputs[i];
      PlanInput input;
      if (handle.invocation == kRootInput) {  // no upstream: loaded by the input's input manager
        input.manager_key = invocation.node->inputs[i].input_manager_key;
        step.inputs.push_back(std::move(input));
        continue;
      }
      const auto& producer = job.invocations()[static_cast<size_t>(handle.invocation)];
      input.step = handle.invocation;
      input.output = handle.output;
      input.upstream_node = producer.node.get();
      input.upstream_output = &producer.node->outputs[static_cast<size_t>(handle.output)];
      input.upstream_step_key = producer.step_key;
      const InputDef& in = invocation.node->inputs[i];
      input.manager_key =
          in.input_manager_key.empty() ? manager_for_output(*input.upstream_output) : in.input_manager_key;
      add_unique(step.upstream, input.step);
      step.inputs.push_back(std::move(input));
    }
    plan.steps_.push_back(std::move(step));
  }
  plan.link();
  return plan;
}

ExecutionPlan ExecutionPlan::subset(const std::set<std::string>& step_keys, const std::string& parent_run_id) const {
  std::map<std::string, int> index_of;
  for (size_t i = 0; i < steps_.size(); ++i) index_of.emplace(steps_[i].key, static_cast<int>(i));
  for (const auto& key : step_keys) {
    if (!index_of.count(key)) {
      std::string known;
      for (const auto& step : steps_) known += (known.empty() ? "" : ", ") + step.key;
      throw DefinitionError("step '" + key + "' is not a step of " + job_name_ + " (steps: " + known + ")");
    }
  }
  ExecutionPlan plan;
  plan.job_name_ = job_name_;
  plan.resources_ = resources_;
  std::vector<int> new_index(steps_.size(), -1);
  for (size_t i = 0; i < steps_.size(); ++i) {
    if (!step_keys.count(steps_[i].key)) continue;
    new_index[i] = static_cast<int>(plan.steps_.size());
    PlanStep step = steps_[i];
    step.upstream.clear();
    step.downstream.clear();
    plan.steps_.push_back(std::move(step));
  }
  for (size_t i = 0; i < steps_.size(); ++i) {
    if (new_index[i] < 0) continue;
    PlanStep& step = plan.steps_[static_cast<size_t>(new_index[i])];
    for (PlanInput& input : step.inputs) {
      if (input.step < 0) continue;
      int producer = new_index[static_cast<size_t>(input.step)];
      if (producer < 0) input.from_run_id = parent_run_id;
      input.step = producer;
    }
    for (int up : steps_[i].upstream) {
      if (new_index[static_cast<size_t>(up)] >= 0) add_unique(step.upstream, new_index[static_cast<size_t>(up)]);
    }
  }
  for (const auto& key : asset_keys_) {
    for (const auto& step : plan.steps_) {
      bool produces = false;
      for (const auto& out : step.node->outputs) produces = produces || (out.asset_key && *out.asset_key == key);
      if (produces) {
        plan.asset_keys_.push_back(key);
        break;
      }
    }
  }
  plan.link();
  return plan;
}

void ExecutionPlan::link() {
  for (size_t i = 0; i < steps_.size(); ++i) {
    for (int up : steps_[i].upstream) steps_[static_cast<size_t>(up)].downstream.push_back(static_cast<int>(i));
  }
}

std::vector<std::string> ExecutionPlan::required_resource_keys() const {
  std::set<std::string> keys;
  for (const auto& step : steps_) {
    for (size_t i = 0; i < step.output_managers.size(); ++i) {
      if (step.node->outputs[i].has_value()) keys.insert(step.output_managers[i]);
    }
    for (const auto& input : step.inputs) keys.insert(input.manager_key);
    keys.insert(step.node->required_resource_keys.begin(), step.node->required_resource_keys.end());
  }
  return {keys.begin(), keys.end()};
}

}  // namespace strata
