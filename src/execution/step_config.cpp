#include "strata/execution/step_config.hpp"

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "strata/core/config/config_schema.hpp"
#include "strata/core/config/secret_masking.hpp"
#include "strata/core/util/nearest_name.hpp"

namespace strata {
namespace {

// "asset 'a/b'", "multi-asset 'split'", "op 'add_2'": how errors name a step.
std::string step_owner(const PlanStep& step) {
  const NodeDef& node = *step.node;
  if (node.kind == NodeKind::kAsset && node.outputs.size() == 1 && node.outputs[0].asset_key) {
    return "asset '" + node.outputs[0].asset_key->to_string() + "'";
  }
  return std::string(node_kind_name(node.kind)) + " '" + step.key + "'";
}

ConfigError unknown_step(const ExecutionPlan& plan, const std::string& name) {
  std::vector<std::string> keys;
  std::string listed;
  for (const auto& step : plan.steps()) {
    keys.push_back(step.key);
    if (keys.size() <= 10) listed += (listed.empty() ? "" : ", ") + step.key;
  }
  if (keys.size() > 10) listed += ", ... (" + std::to_string(keys.size()) + " steps)";
  return ConfigError("run config configures op '" + name + "', which is not a step of this run" +
                     did_you_mean(name, keys) + " (steps: " + (listed.empty() ? "none" : listed) + ")");
}

}  // namespace

std::vector<Value> configure_steps(const ExecutionPlan& plan, const RunConfig& run_config) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < plan.steps().size(); ++i) index.emplace(plan.steps()[i].key, i);
  for (const auto& name : run_config.configured_op_names()) {
    auto it = index.find(name);
    if (it == index.end()) throw unknown_step(plan, name);
    const PlanStep& step = plan.steps()[it->second];
    if (run_config.op_config(name) != nullptr && !step.node->config) {
      throw ConfigError("run config gives config to " + step_owner(step) + " (ops." + name +
                        ".config), whose function takes no config parameter");
    }
  }
  std::vector<Value> configs(plan.steps().size());
  for (size_t i = 0; i < plan.steps().size(); ++i) {
    const PlanStep& step = plan.steps()[i];
    if (!step.node->config) continue;
    configs[i] = step.node->config->instantiate(step_owner(step), step.key, run_config.op_config(step.key));
  }
  return configs;
}

nlohmann::json recorded_run_config(const ExecutionPlan& plan, const RunConfig& run_config,
                                   const std::vector<Value>& configs) {
  nlohmann::json doc = masked_run_config(run_config, plan.resources());
  for (size_t i = 0; i < plan.steps().size(); ++i) {
    const PlanStep& step = plan.steps()[i];
    if (step.node->config) doc["ops"][step.key]["config"] = step.node->config->record(configs[i]);
  }
  return doc;
}

}  // namespace strata
