// refuse_managers (step_launcher.hpp): the plan-time check of the managers a run's steps use, shared
// by the executors that run steps away from the run's process.
#include "step_launcher.hpp"

namespace strata::detail {

void refuse_managers(const ExecutionPlan& plan, const std::string& executor,
                     const std::function<std::string(const std::string& manager_key)>& problem) {
  for (const auto& step : plan.steps()) {
    for (size_t i = 0; i < step.node->outputs.size(); ++i) {
      const OutputDef& out = step.node->outputs[i];
      if (!out.has_value()) continue;
      std::string why = problem(step.output_managers[i]);
      if (!why.empty()) {
        std::string what = out.asset_key ? "asset '" + out.asset_key->to_string() + "'"
                                         : "output '" + out.name + "' of step '" + step.key + "'";
        throw DefinitionError(executor + " cannot run " + what + ": " + why);
      }
    }
    for (size_t i = 0; i < step.inputs.size(); ++i) {
      std::string why = problem(step.inputs[i].manager_key);
      if (!why.empty()) {
        throw DefinitionError(executor + " cannot run step '" + step.key + "' (input '" + step.node->inputs[i].name +
                              "'): " + why);
      }
    }
  }
}

}  // namespace strata::detail
